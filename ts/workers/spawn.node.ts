/**
 * Spawns pool workers in Node: worker_threads on dist/worker.js, talked to through Comlink's
 * node-adapter. A tiny data: URL module runs first in the thread and leaves the thread's endpoint
 * where worker.ts looks for it, so the worker file is the same one browsers load.
 */
import { availableParallelism } from 'node:os';
import { Worker, parentPort } from 'node:worker_threads';
import nodeEndpoint from 'comlink/dist/esm/node-adapter.mjs';
import { HOST_ENDPOINT, type SpawnedWorker, type Spawner } from './protocol.js';

/** Runs inside the worker thread (through the boot module): publishes the thread's endpoint. */
export function installHostEndpoint(): void {
  if (!parentPort) throw new Error('installHostEndpoint runs only inside a worker thread');
  (globalThis as Record<symbol, unknown>)[HOST_ENDPOINT] = nodeEndpoint(parentPort);
}

function bootModule(): URL {
  const self = JSON.stringify(import.meta.url);
  const entry = JSON.stringify(new URL('./worker.js', import.meta.url).href);
  const code = `import { installHostEndpoint } from ${self};\ninstallHostEndpoint();\nawait import(${entry});\n`;
  return new URL(`data:text/javascript,${encodeURIComponent(code)}`);
}

/** A worker thread running the pool's API. */
export function spawnWorker(): SpawnedWorker {
  const worker = new Worker(bootModule(), { name: 'modeconn' });
  const listeners: Array<(cause: Error) => void> = [];
  let failure: Error | null = null;
  worker.on('error', (error) => {
    failure = error;
  });
  // 'exit' follows every end (an uncaught error, process.exit in the thread, terminate()).
  worker.once('exit', (code) => {
    const cause = failure ?? new Error(`the worker exited with code ${code}`);
    for (const listener of listeners) listener(cause);
  });
  return {
    endpoint: nodeEndpoint(worker),
    onDeath: (listener) => void listeners.push(listener),
    // Not awaited: an exit is occasionally never reported once the process has nothing else to
    // do, and a close() waiting for it would then hang the process's last await (exit code 13).
    terminate: () => void worker.terminate().catch(() => {}),
    setBusy: (busy) => (busy ? worker.ref() : worker.unref()),
  };
}

/** `os.availableParallelism()`. */
export function defaultWorkerCount(): number {
  return availableParallelism();
}

({ spawnWorker, defaultWorkerCount }) satisfies Spawner;
