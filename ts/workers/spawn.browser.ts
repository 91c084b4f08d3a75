/**
 * Spawns pool workers in browsers: module Web Workers on dist/worker.js, referenced with
 * `new URL(..., import.meta.url)` so bundlers that follow the pattern (Vite, webpack 5) emit the
 * worker file; elsewhere (esbuild, plain copies) `createPool({ workerUrl })` names where it is served.
 */
import type { SpawnedWorker, Spawner } from './protocol.js';

/** A module Web Worker running the pool's API, from `url` when given. */
export function spawnWorker(url?: string | URL): SpawnedWorker {
  // The literal `new Worker(new URL('./worker.js', import.meta.url), …)` is what bundlers look for.
  const worker = url === undefined
    ? new Worker(new URL('./worker.js', import.meta.url), { type: 'module', name: 'modeconn' })
    : new Worker(url, { type: 'module', name: 'modeconn' });
  const where = url === undefined ? new URL('./worker.js', import.meta.url).href : new URL(String(url), globalThis.location?.href).href;
  const listeners: Array<(cause: Error) => void> = [];
  let ended = false;
  // The worker's first message is Comlink's answer to the pool's first call: the script has loaded.
  let loaded = false;
  worker.addEventListener('message', () => (loaded = true), { once: true });
  const end = (cause: Error) => {
    if (ended) return;
    ended = true;
    worker.terminate();
    for (const listener of listeners) listener(cause);
  };
  // An uncaught error leaves a Web Worker running in an unknown state: treat it as dead.
  worker.addEventListener('error', (event) => {
    event.preventDefault();
    end(new Error(loaded
      ? event.message || 'the worker threw'
      : `cannot load the worker script ${where} (${event.message || 'not found, not a JavaScript module, or blocked'})`));
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
