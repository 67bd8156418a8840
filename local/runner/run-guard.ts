import type { LocalAws } from '../emulators.js';

/** Why a local run stopped before its end; its name becomes the execution's error. */
export class RunStoppedError extends Error {
  constructor(
    override readonly name: 'EmulatorStopped' | 'Interrupted',
    message: string,
  ) {
    super(message);
  }
}

export interface RunGuard {
  /** Aborted with a RunStoppedError when an emulator stops or the process is told to stop. */
  readonly signal: AbortSignal;
  /** The signal that interrupted the run, to re-raise once everything is cleaned up. */
  readonly interruptedBy: () => NodeJS.Signals | undefined;
  dispose(): void;
}

const SIGNALS: readonly NodeJS.Signals[] = ['SIGINT', 'SIGTERM', 'SIGHUP'];

/**
 * Stops a local run within a second or two of an emulator dying (naming it)
 * or of SIGINT / SIGTERM / SIGHUP, so the runner can write a partial report
 * and clean up. A second signal leaves at once.
 */
export function guardRun(aws: LocalAws): RunGuard {
  const controller = new AbortController();
  let interruptedBy: NodeJS.Signals | undefined;
  let disposed = false;
  void aws.stopped.then((message) => {
    if (!disposed) controller.abort(new RunStoppedError('EmulatorStopped', message));
  });
  const onSignal = (signal: NodeJS.Signals) => {
    if (interruptedBy) process.exit(128 + (signal === 'SIGINT' ? 2 : signal === 'SIGHUP' ? 1 : 15));
    interruptedBy = signal;
    process.stderr.write(
      `\n${signal}: stopping the run, writing a partial report and cleaning up (again to quit now)\n`,
    );
    controller.abort(new RunStoppedError('Interrupted', `the run was interrupted (${signal})`));
  };
  for (const signal of SIGNALS) process.on(signal, onSignal);
  return {
    signal: controller.signal,
    interruptedBy: () => interruptedBy,
    dispose() {
      disposed = true;
      for (const signal of SIGNALS) process.off(signal, onSignal);
    },
  };
}
