/**
 * SIGINT and SIGTERM in the CLI. A command that can stop cleanly registers with `cancelOnSignals`:
 * the first signal aborts its AbortSignal (the job stops after the current batch and its files say
 * "cancelled"); a second signal, or one that arrives while no command has registered, exits at
 * once. Exit codes follow the shell convention 128 + signal number: SIGINT 130, SIGTERM 143.
 */
import type { ProgressBar } from './progress.js';

/** The signals the CLI handles. */
export type StopSignal = 'SIGINT' | 'SIGTERM';

const NUMBERS: Record<StopSignal, number> = { SIGINT: 2, SIGTERM: 15 };

/** 128 + the signal's number. */
export function signalExitCode(signal: StopSignal): number {
  return 128 + NUMBERS[signal];
}

interface Job {
  cancel(signal: StopSignal): void;
  /** Runs before a forced exit (a second signal): a last chance to mark files. */
  onForce?: (signal: StopSignal) => void;
}

const jobs = new Set<Job>();
let received: StopSignal | null = null;
let count = 0;
let installed = false;
let permanent = false;

function onSignal(signal: StopSignal): void {
  received = signal;
  count += 1;
  if (count > 1 || jobs.size === 0) {
    for (const job of jobs) job.onForce?.(signal);
    process.exit(signalExitCode(signal));
  }
  for (const job of jobs) job.cancel(signal);
}

function install(): void {
  if (installed) return;
  installed = true;
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
}

function uninstall(): void {
  if (!installed || permanent || jobs.size > 0) return;
  installed = false;
  process.off('SIGINT', onSignal);
  process.off('SIGTERM', onSignal);
}

/** Installs the handlers for the life of the process (the `modeconn` executable calls this first). */
export function handleSignals(): void {
  permanent = true;
  install();
}

/**
 * An AbortSignal that the first SIGINT or SIGTERM aborts (reason: an Error named after the signal);
 * `onForce` runs before the exit a second signal forces. Call `dispose()` when the job is over.
 */
export function cancelOnSignals(progress: ProgressBar, onForce?: (signal: StopSignal) => void): { signal: AbortSignal; dispose: () => void } {
  const controller = new AbortController();
  const job: Job = {
    cancel: (signal) => {
      progress.note(`${signal === 'SIGINT' ? 'Ctrl-C' : signal}: cancelling after the current batch (again to quit at once)`);
      controller.abort(new Error(signal));
    },
    onForce,
  };
  jobs.add(job);
  install();
  return {
    signal: controller.signal,
    dispose: () => {
      jobs.delete(job);
      uninstall();
    },
  };
}

/** The exit code of a cancelled run: 128 + the signal that cancelled it (130 when none was seen). */
export function cancelledExitCode(): number {
  return received ? signalExitCode(received) : signalExitCode('SIGINT');
}
