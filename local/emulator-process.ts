/**
 * The emulators' own process (forked by startLocalAws): dynalite, s3rver and
 * aws-ses-v2-local on the machine's second core, away from the state machine,
 * the handlers and the simulator. Reports its URLs to the parent over IPC and
 * stops when the parent says so or goes away (then removing a temporary S3
 * directory itself: a killed parent cannot).
 */
import { rmSync } from 'node:fs';
import { startEmulatorServers } from './emulator-servers.js';

export type EmulatorMessage =
  | { readonly type: 'ready'; readonly dynamodb: string; readonly s3: string; readonly ses: string }
  | { readonly type: 'failed'; readonly message: string };

const directory = process.env.WEBORDINARY_S3_DIRECTORY;
const send = (message: EmulatorMessage) => process.send?.(message);

if (!directory || !process.send) {
  console.error('emulator-process: run by startLocalAws (needs an IPC channel and WEBORDINARY_S3_DIRECTORY)');
  process.exit(2);
}

try {
  const servers = await startEmulatorServers(directory);
  const stop = async () => {
    await servers.close();
    process.exit(0);
  };
  process.on('message', (message) => {
    if (message === 'close') void stop();
  });
  // The parent went away without closing us (killed): leave no temporary files behind.
  process.on('disconnect', () => {
    if (process.env.WEBORDINARY_S3_TEMPORARY === '1') rmSync(directory, { recursive: true, force: true });
    void stop();
  });
  send({ type: 'ready', dynamodb: servers.dynamodb, s3: servers.s3, ses: servers.ses });
} catch (error) {
  send({ type: 'failed', message: (error as Error).message });
  process.exit(1);
}
