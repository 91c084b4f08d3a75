/**
 * Spawns pool workers in browsers: module Web Workers on dist/worker.js, referenced with
 * `new URL(..., import.meta.url)` so bundlers find and emit the worker file.
 */
import type { SpawnedWorker, Spawner } from './protocol.js';

/** A module Web Worker running the pool's API. */
export function spawnWorker(): SpawnedWorker {
  const worker = new Worker(new URL('./worker.js', import.meta.url), { type: 'module', name: 'modeconn' });
  const listeners: Array<(cause: Error) => void> = [];
  let ended = false;
  const end = (cause: Error) => {
    if (ended) return;
    ended = true;
    worker.terminate();
    for (const listener of listeners) listener(cause);
  };
  // An uncaught error leaves a Web Worker running in an unknown state: treat it as dead.
  worker.addEventListener('error', (event) => {
    event.preventDefault();
    end(new Error(event.message || 'the worker failed to load or threw'));
  });
  return {
    endpoint: worker,
    onDeath: (listener) => void listeners.push(listener),
    terminate: () => end(new Error('the worker was terminated')),
    setBusy: () => {},
  };
}

/** `navigator.hardwareConcurrency`, at least 1. */
export function defaultWorkerCount(): number {
  return Math.max(1, globalThis.navigator?.hardwareConcurrency ?? 1);
}

({ spawnWorker, defaultWorkerCount }) satisfies Spawner;
