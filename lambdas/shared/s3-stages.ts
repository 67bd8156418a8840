import { GetObjectCommand, HeadObjectCommand, NoSuchKey, NotFound } from '@aws-sdk/client-s3';
import { renderTemplate, sessionTemplateValues } from '../../core/identity.js';
import { type Profile, requiredStages, type S3Stage } from '../../core/profile.js';
import { s3 } from './clients.js';
import { settle } from './completion.js';
import type { Store, StoredSession } from './store.js';

/**
 * Checks the S3 stage conditions of the open sessions: one request per
 * distinct object per call, however many sessions wait on it. The stage time
 * is the object's LastModified (S3's own clock; AWS gives it to the second).
 */
export async function checkS3Stages(
  store: Store,
  runId: string,
  profile: Profile,
  sessions: readonly StoredSession[],
): Promise<number> {
  let recorded = 0;
  for (const stage of profile.target.stages) {
    if (!('s3' in stage)) continue;
    const waiting = sessions.filter(
      (s) =>
        s.status === 'sent' &&
        s.stages[stage.name] === undefined &&
        requiredStages(profile, s.scenario).includes(stage.name),
    );
    const byObject = new Map<string, { bucket: string; key: string; sessions: StoredSession[] }>();
    for (const session of waiting) {
      const values = sessionTemplateValues(runId, session);
      const bucket = renderTemplate(stage.s3.bucket, values);
      const key = renderTemplate(stage.s3.key, values);
      const id = `${bucket}/${key}`;
      const entry = byObject.get(id) ?? { bucket, key, sessions: [] };
      entry.sessions.push(session);
      byObject.set(id, entry);
    }
    for (const { bucket, key, sessions: group } of byObject.values()) {
      const object = await readObject(stage, bucket, key);
      if (!object) continue;
      for (const session of group) {
        if (!satisfied(stage, object, session)) continue;
        const after = await store.recordStage(runId, session.sessionId, stage.name, object.lastModified);
        if (after) {
          recorded += 1;
          await settle(profile, after);
        }
      }
    }
  }
  return recorded;
}

interface ObjectState {
  readonly lastModified: number;
  readonly body?: string;
}

async function readObject(stage: S3Stage, bucket: string, key: string): Promise<ObjectState | undefined> {
  try {
    if (stage.s3.check === 'contains') {
      const out = await s3().send(new GetObjectCommand({ Bucket: bucket, Key: key }));
      const body = (await out.Body?.transformToString('utf8')) ?? '';
      return { lastModified: out.LastModified?.getTime() ?? Date.now(), body };
    }
    const out = await s3().send(new HeadObjectCommand({ Bucket: bucket, Key: key }));
    return out.LastModified ? { lastModified: out.LastModified.getTime() } : undefined;
  } catch (error) {
    if (error instanceof NoSuchKey || error instanceof NotFound || (error as Error).name === 'NoSuchBucket')
      return undefined;
    throw error;
  }
}

function satisfied(stage: S3Stage, object: ObjectState, session: StoredSession): boolean {
  if (stage.s3.check === 'contains') return object.body?.includes(session.token) ?? false;
  if (session.sentAt === undefined) return false;
  // LastModified has whole seconds on AWS: an object written in the same second as the trigger counts.
  return object.lastModified >= Math.floor(session.sentAt / 1000) * 1000;
}
