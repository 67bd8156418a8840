import type { IncomingEmail } from './intake.js';
import type { TargetModel } from './model.js';
import { base36Id, type Rng } from './rng.js';
import { render } from './template.js';

/** Who an email is for, as the modelled system reads it. */
export interface JobIdentity {
  readonly recipient: string;
  readonly projectId: string;
  readonly userId: string;
  readonly threadId: string;
  readonly laneKey: string;
  readonly workspaceKey: string;
  readonly instruction: string;
}

/** Compiled identity rules of a model. */
export class IdentityReader {
  private readonly recipient: RegExp;
  private readonly thread: RegExp;

  constructor(private readonly model: TargetModel) {
    this.recipient = new RegExp(model.identity.recipient, 'i');
    this.thread = new RegExp(model.identity.thread, 'i');
  }

  /** The identity, or a reason why the email is not for this system. */
  read(email: IncomingEmail, rng: Rng): JobIdentity | { readonly ignored: string } {
    for (const recipient of email.to) {
      const groups = this.recipient.exec(recipient)?.groups;
      const projectId = groups?.projectId;
      const userId = groups?.userId;
      if (!projectId || !userId) continue;
      const threadId =
        this.thread.exec(email.subject)?.groups?.threadId ??
        render(this.model.identity.threadIdFallback, { epochMs: email.receivedAt, rand: base36Id(rng, 6) });
      const ids = { projectId, userId };
      return {
        recipient,
        projectId,
        userId,
        threadId,
        laneKey: render(this.model.lanes.key, ids),
        workspaceKey: render(this.model.workspace.key, ids),
        instruction: email.text.trim(),
      };
    }
    return { ignored: `no recipient matches ${this.model.identity.recipient}: ${email.to.join(', ')}` };
  }
}
