/**
 * Spawns pool workers in Node: worker_threads on dist/worker.js (or `createPool({ workerUrl })`),
 * talked to through Comlink's node-adapter. A tiny data: URL module runs first in the thread and
 * leaves the thread's endpoint where worker.ts looks for it, so the worker file is the same one
 * browsers load.
 */
import { availableParallelism } from 'node:os';
import { pathToFileURL } from 'node:url';
import { Worker, parentPort } from 'node:worker_threads';
import nodeEndpoint from 'comlink/dist/esm/node-adapter.mjs';
import { HOST_ENDPOINT, type SpawnedWorker, type Spawner } from './protocol.js';

/** Runs inside the worker thread (through the boot module): publishes the thread's endpoint. */
export function installHostEndpoint(): void {
  if (!parentPort) throw new Error('installHostEndpoint runs only inside a worker thread');
  (globalThis as Record<symbol, unknown>)[HOST_ENDPOINT] = nodeEndpoint(parentPort);
}

/** The worker script: `url` (a URL, or a path relative to the working directory), else dist/worker.js. */
function workerScript(url?: string | URL): string {
  if (url === undefined) return new URL('./worker.js', import.meta.url).href;
  if (url instanceof URL || /^[a-z][a-z0-9+.-]+:/i.test(url)) return new URL(url).href;
  return new URL(url, pathToFileURL(`${process.cwd()}/`)).href;
}

function bootModule(script: string): URL {
  const self = JSON.stringify(import.meta.url);
  const entry = JSON.stringify(script);
  const code = `import { installHostEndpoint } from ${self};\ninstallHostEndpoint();\nawait import(${entry});\n`;
  return new URL(`data:text/javascript,${encodeURIComponent(code)}`);
}

/** A worker thread running the pool's API, from `url` when given. */
export function spawnWorker(url?: string | URL): SpawnedWorker {
  const script = workerScript(url);
  const worker = new Worker(bootModule(script), { name: 'modeconn' });
  const listeners: Array<(cause: Error) => void> = [];
  let failure: Error | null = null;
  // The worker's first message is Comlink's answer to the pool's first call: the script has loaded.
  let loaded = false;
  worker.once('message', () => (loaded = true));
  worker.on('error', (error) => {
    // Node names the data: URL boot module as the importer: noise in a message about the script.
    failure = loaded ? error : new Error(`cannot load the worker script ${script} (${error.message.replace(/ imported from data:\S*/, '')})`, { cause: error });
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
