import { createHash } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  CreateBucketCommand,
  GetObjectCommand,
  type GetObjectCommandOutput,
  PutObjectCommand,
  S3Client,
} from '@aws-sdk/client-s3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type EmulatorServers, startEmulatorServers } from '../../local/emulator-servers.js';

/**
 * S3 gives a reader either the whole old object or the whole new one, with
 * that object's own LastModified and ETag. s3rver on its own does not: a GET
 * that overlaps a PUT of the same key could read the new body with the old
 * object's modification time (seen in the user-pool run: a pool user's page
 * measured 26 s early, the time of the previous session's page).
 */
let servers: EmulatorServers;
let directory: string;
let s3: S3Client;

beforeAll(async () => {
  directory = mkdtempSync(join(tmpdir(), 'bench-s3-atomic-'));
  servers = await startEmulatorServers(directory);
  s3 = new S3Client({
    endpoint: servers.s3,
    region: 'us-east-1',
    forcePathStyle: true,
    credentials: { accessKeyId: 'S3RVER', secretAccessKey: 'S3RVER' },
  });
  await s3.send(new CreateBucketCommand({ Bucket: 'atomic' }));
});

afterAll(async () => {
  s3?.destroy();
  await servers?.close();
  rmSync(directory, { recursive: true, force: true });
});

const md5 = (text: string) => createHash('md5').update(text).digest('hex');
/** Versions of different lengths, so a torn read cannot pass for a whole one. */
const body = (version: number) => `version ${version} ${'x'.repeat((version * 7919) % 4000)}\n`;
const versionOf = (text: string) => Number(/^version (\d+) /.exec(text)?.[1] ?? Number.NaN);

describe('local S3 reads during writes of the same key', () => {
  it('returns one whole version per GET, with that version’s ETag, metadata and LastModified', async () => {
    const key = 'user-1/index.html';
    const putStartedAt = new Map<number, number>();
    const put = async (version: number) => {
      putStartedAt.set(version, Date.now());
      await s3.send(
        new PutObjectCommand({
          Bucket: 'atomic',
          Key: key,
          Body: body(version),
          Metadata: { version: `${version}` },
        }),
      );
    };
    await put(0);
    const torn: string[] = [];
    const reads: number[] = [];
    // Long enough to cross whole seconds: LastModified has whole seconds.
    const until = Date.now() + 3_000;
    for (let version = 1; Date.now() < until; version++) {
      const writing = put(version);
      const gets = Array.from({ length: 4 }, async () => {
        let out: GetObjectCommandOutput;
        let text: string;
        try {
          out = await s3.send(new GetObjectCommand({ Bucket: 'atomic', Key: key }));
          text = (await out.Body?.transformToString('utf8')) ?? '';
        } catch (error) {
          torn.push(`GET failed: ${(error as Error).message}`);
          return;
        }
        const read = versionOf(text);
        reads.push(read);
        const problems = [
          text === body(read) ? '' : 'body is not one whole version',
          out.ETag === JSON.stringify(md5(text)) ? '' : `ETag ${out.ETag} is not the body's`,
          out.Metadata?.version === `${read}` ? '' : `metadata version ${out.Metadata?.version}`,
          (out.LastModified?.getTime() ?? 0) >= Math.floor((putStartedAt.get(read) ?? 0) / 1000) * 1000
            ? ''
            : `LastModified ${out.LastModified?.toISOString()} before the PUT of version ${read}`,
        ].filter(Boolean);
        if (problems.length > 0) torn.push(`read version ${read}: ${problems.join('; ')}`);
      });
      await Promise.all([writing, ...gets]);
    }
    expect(torn).toEqual([]);
    expect(reads.length).toBeGreaterThan(40);
  }, 30_000);
});
