/**
 * The worker entry (dist/worker.js): exposes `api` through Comlink. A Web Worker exposes on its own
 * global scope; Node's spawner first leaves a worker_threads endpoint under HOST_ENDPOINT, so this
 * file never needs to know which host it runs in.
 */
import { expose, type Endpoint } from 'comlink';
import { api } from './api.js';
import { HOST_ENDPOINT } from './protocol.js';

const host = globalThis as typeof globalThis & { [HOST_ENDPOINT]?: Endpoint };
expose(api, host[HOST_ENDPOINT] ?? (host as unknown as Endpoint));
