import { createHash } from 'node:crypto';
import { mkdir, rename, rm, writeFile } from 'node:fs/promises';
import { dirname } from 'node:path';
import type { Readable } from 'node:stream';

/** The part of s3rver's FilesystemStore (lib/stores/filesystem.js) this module changes. */
export interface S3rverFileStore {
  getResourcePath(bucket: string, key: string, resource: string): string;
  putMetadata(bucket: string, key: string, metadata: unknown, md5?: string): Promise<void>;
  getObject(bucket: string, key: string, options?: unknown): Promise<unknown>;
  existsObject(bucket: string, key: string): Promise<unknown>;
  putObject(object: StoredObject): Promise<{ size: number; md5: string }>;
  copyObject(
    srcBucket: string,
    srcKey: string,
    destBucket: string,
    destKey: string,
    metadata?: unknown,
  ): Promise<unknown>;
  deleteObject(bucket: string, key: string): Promise<unknown>;
}

interface StoredObject {
  readonly bucket: string;
  readonly key: string;
  readonly content: Buffer | Readable;
  readonly metadata: unknown;
}

/**
 * Gives s3rver S3's read-after-write behaviour for one key: a GET or HEAD
 * sees either the whole previous object or the whole new one, each with its
 * own LastModified and ETag.
 *
 * On its own, s3rver reads an object's size and modification time, then its
 * metadata, then opens the content, while a PUT of the same key truncates the
 * content file in place and writes its metadata after; its PUT also answers
 * before the content is flushed. A GET overlapping a PUT could so return the
 * new body with the old LastModified (a page seen 26 s before it was
 * written), a body cut to the old length, or abort. Here each key's
 * operations run one at a time, and a PUT writes the content to a temporary
 * file that it renames over the old one: a reader that opened the old file
 * keeps reading the old object, whole.
 */
export function makeObjectWritesAtomic(store: S3rverFileStore): void {
  const tails = new Map<string, Promise<unknown>>();
  const exclusive = <T>(bucket: string, key: string, work: () => Promise<T>): Promise<T> => {
    const id = `${bucket}\u0000${key}`;
    const previous = tails.get(id) ?? Promise.resolve();
    const run = previous.then(work, work);
    const tail = run.then(
      () => undefined,
      () => undefined,
    );
    tails.set(id, tail);
    void tail.then(() => {
      if (tails.get(id) === tail) tails.delete(id);
    });
    return run;
  };

  let temporaries = 0;
  const getObject = store.getObject.bind(store);
  const existsObject = store.existsObject.bind(store);
  const copyObject = store.copyObject.bind(store);
  const deleteObject = store.deleteObject.bind(store);

  // s3rver's getObject resolves once the content file is open: the lock covers the size, time,
  // metadata and open, and the open file is never written again (a PUT renames a new one in).
  store.getObject = (bucket, key, options) => exclusive(bucket, key, () => getObject(bucket, key, options));
  store.existsObject = (bucket, key) => exclusive(bucket, key, () => existsObject(bucket, key));
  store.deleteObject = (bucket, key) => exclusive(bucket, key, () => deleteObject(bucket, key));
  store.copyObject = (srcBucket, srcKey, destBucket, destKey, metadata) =>
    exclusive(destBucket, destKey, () => copyObject(srcBucket, srcKey, destBucket, destKey, metadata));
  store.putObject = (object) =>
    exclusive(object.bucket, object.key, async () => {
      const content = Buffer.isBuffer(object.content) ? object.content : await collect(object.content);
      const md5 = createHash('md5').update(content).digest('hex');
      const target = store.getResourcePath(object.bucket, object.key, 'object');
      // Not named like an object: s3rver's listings skip it.
      const temporary = `${target}.${process.pid}-${++temporaries}.tmp`;
      await mkdir(dirname(target), { recursive: true });
      try {
        await writeFile(temporary, content);
        await rename(temporary, target);
      } catch (error) {
        await rm(temporary, { force: true });
        throw error;
      }
      await store.putMetadata(object.bucket, object.key, object.metadata, md5);
      return { size: content.length, md5 };
    });
}

async function collect(stream: Readable): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of stream)
    chunks.push(Buffer.isBuffer(chunk) ? chunk : Buffer.from(chunk as string));
  return Buffer.concat(chunks);
}
