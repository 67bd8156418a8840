import type { z } from 'zod';
import { unknownPlaceholders } from './template.js';

/** Placeholders every job template may use (besides the model's own `vars`). */
export const JOB_VARS = [
  'projectId',
  'userId',
  'threadId',
  'laneKey',
  'instruction',
  'instruction100',
  'taskId',
  'jobId',
  'messageId',
  'durationMs',
] as const;

const IDENTITY_VARS = new Set(['projectId', 'userId']);
const TASK_VARS = new Set(['taskId']);
const LANE_VARS = new Set(['projectId', 'userId', 'laneKey', 'taskId']);
const FALLBACK_VARS = new Set(['epochMs', 'rand']);

interface CheckedLine {
  readonly text: string;
  readonly marker?: boolean | undefined;
}

/** The parts of a parsed model the cross-field checks read. */
interface CheckedModel {
  readonly identity: { readonly threadIdFallback: string };
  readonly ecs: { readonly startupLines: readonly CheckedLine[] };
  readonly lanes: {
    readonly key: string;
    readonly claimLines: readonly CheckedLine[];
    readonly releaseLines: readonly CheckedLine[];
    readonly claimWhileBusy?: { readonly dropLines: readonly CheckedLine[] } | undefined;
  };
  readonly workspace: {
    readonly key: string;
    readonly step: string;
    readonly setupLines: readonly CheckedLine[];
  };
  readonly vars: Readonly<Record<string, unknown>>;
  readonly steps: readonly { readonly name: string; readonly lines: readonly CheckedLine[] }[];
  readonly site?:
    | { readonly step: string; readonly bucket: string; readonly key: string; readonly body: string }
    | undefined;
  readonly faults: readonly {
    readonly step: string;
    readonly lines: readonly CheckedLine[];
    readonly resumeAt?: string | undefined;
  }[];
}

type Path = (string | number)[];

/** Checks that span fields: step references, placeholders, markers. */
export function checkModel(model: CheckedModel, ctx: z.RefinementCtx): void {
  const fail = (path: Path, message: string) => ctx.addIssue({ code: 'custom', path, message });
  const stepNames = new Set<string>();
  model.steps.forEach((step, index) => {
    if (stepNames.has(step.name)) fail(['steps', index, 'name'], `duplicates step "${step.name}"`);
    stepNames.add(step.name);
  });
  const known = `one of ${[...stepNames].join(', ')}`;
  const refersToStep = (path: Path, name: string) => {
    if (!stepNames.has(name)) fail(path, `must name a step (${known}), got "${name}"`);
  };
  refersToStep(['workspace', 'step'], model.workspace.step);
  if (model.site) refersToStep(['site', 'step'], model.site.step);
  const order = model.steps.map((step) => step.name);
  model.faults.forEach((fault, index) => {
    refersToStep(['faults', index, 'step'], fault.step);
    if (fault.resumeAt === undefined) return;
    refersToStep(['faults', index, 'resumeAt'], fault.resumeAt);
    const resumeAt = order.indexOf(fault.resumeAt);
    if (resumeAt >= 0 && resumeAt <= order.indexOf(fault.step)) {
      fail(['faults', index, 'resumeAt'], `must name a step after "${fault.step}", got "${fault.resumeAt}"`);
    }
  });

  const jobVars = new Set<string>([...JOB_VARS, ...Object.keys(model.vars)]);
  const checkTemplate = (path: Path, template: string, vars: ReadonlySet<string>) => {
    const unknown = unknownPlaceholders(template, vars);
    if (unknown.length > 0) {
      fail(
        path,
        `uses unknown placeholder ${unknown.map((v) => `{${v}}`).join(', ')}; known: ${[...vars].join(', ')}`,
      );
    }
  };
  const checkLines = (path: Path, lines: readonly CheckedLine[], vars: ReadonlySet<string>) => {
    lines.forEach((line, index) => {
      checkTemplate([...path, index, 'text'], line.text, vars);
    });
    if (lines.filter((line) => line.marker === true).length > 1) fail(path, 'may have only one marker line');
  };

  checkTemplate(['identity', 'threadIdFallback'], model.identity.threadIdFallback, FALLBACK_VARS);
  checkLines(['ecs', 'startupLines'], model.ecs.startupLines, TASK_VARS);
  checkTemplate(['lanes', 'key'], model.lanes.key, IDENTITY_VARS);
  checkLines(['lanes', 'claimLines'], model.lanes.claimLines, LANE_VARS);
  checkLines(['lanes', 'releaseLines'], model.lanes.releaseLines, LANE_VARS);
  const busy = model.lanes.claimWhileBusy;
  if (busy) {
    checkLines(['lanes', 'claimWhileBusy', 'dropLines'], busy.dropLines, jobVars);
    busy.dropLines.forEach((line, index) => {
      if (line.marker === true) {
        fail(
          ['lanes', 'claimWhileBusy', 'dropLines', index, 'marker'],
          "must not be set: a dropped job's marker is the first step's",
        );
      }
    });
  }
  checkTemplate(['workspace', 'key'], model.workspace.key, IDENTITY_VARS);
  model.steps.forEach((step, index) => {
    checkLines(['steps', index, 'lines'], step.lines, jobVars);
  });
  checkLines(['workspace', 'setupLines'], model.workspace.setupLines, jobVars);
  model.faults.forEach((fault, index) => {
    checkLines(['faults', index, 'lines'], fault.lines, jobVars);
  });
  if (model.site) {
    for (const field of ['bucket', 'key', 'body'] as const) {
      checkTemplate(['site', field], model.site[field], jobVars);
    }
    if (!model.site.body.includes('{instruction}')) {
      fail(['site', 'body'], 'must contain {instruction} so a token in the instruction can be found');
    }
  }
}
