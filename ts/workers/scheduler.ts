/**
 * Workers and their queue: one task at a time per worker, first come first served; objects sent
 * once per worker and referred to by id; a worker that dies or traps is replaced, its task retried
 * once when idempotent or failed with WORKER_CRASHED; `close` ends every worker.
 */
import { wrap, type Remote } from 'comlink';
import { ModeconnError } from '../errors.js';
import type { GemmKernel } from '../wasm/kernel-choice.js';
import type { WorkerApi } from './api.js';
import { fromWire, type SpawnedWorker, type Spawner } from './protocol.js';

/** One worker: its Comlink proxy, the ids it holds, and whether it is still alive. */
export class Slot {
  readonly api: Remote<WorkerApi>;
  readonly holds = new Set<number>();
  dead = false;
  /** Ended on purpose (replaced after a trap, or closed): its death is expected. */
  retired = false;
  /** Resolves once the worker has loaded its core. */
  started: Promise<void> = Promise.resolve();
  ready = false;
  busy = false;
  /** Calls in flight, failed at once if the worker dies (Comlink would leave them pending forever). */
  readonly #pending = new Set<(error: unknown) => void>();
  #death: ModeconnError | null = null;

  constructor(readonly spawned: SpawnedWorker) {
    this.api = wrap<WorkerApi>(spawned.endpoint);
    spawned.onDeath((cause) => {
      this.fail(new ModeconnError('WORKER_CRASHED', `a pool worker died: ${cause.message}`, { advice: 'the pool replaced it and stays usable', cause }));
    });
  }

  /** Marks the worker gone: calls in flight and later fail with `error`. */
  fail(error: ModeconnError): void {
    if (this.#death) return;
    this.dead = true;
    this.#death = error;
    for (const reject of this.#pending) reject(error);
    this.#pending.clear();
  }

  /** Calls the worker; fails with WORKER_CRASHED if it dies first, with the worker's error code otherwise. */
  call<T>(fn: (api: Remote<WorkerApi>) => Promise<T>): Promise<T> {
    if (this.#death) return Promise.reject(this.#death);
    if (this.#pending.size === 0) this.spawned.setBusy(true);
    return new Promise<T>((resolve, reject) => {
      this.#pending.add(reject);
      fn(this.api).then(resolve, (error: unknown) => reject(fromWire(error))).finally(() => {
        this.#pending.delete(reject);
        if (this.#pending.size === 0 && !this.dead) this.spawned.setBusy(false);
      });
    });
  }
}

/** A unit of work for one worker. */
interface Task {
  run(slot: Slot): Promise<unknown>;
  retries: number;
  settled(): boolean;
  done(value: unknown): void;
  fail(error: unknown): void;
  slot: Slot | null;
}

export interface SubmitOptions {
  /** Times a task is run again after its worker died (1 for idempotent work, 0 otherwise). */
  retries: number;
  signal?: AbortSignal;
  /** Called after each finished task with (done, total). */
  onTaskDone?: (done: number, total: number) => void;
  /** Asks a running task to stop; the job then settles when the task does. Without it, the job rejects at once. */
  stopRunning?: (slot: Slot) => void;
}

/** The reason an AbortSignal gives, as a CANCELLED error. */
export function cancelledError(signal: AbortSignal): ModeconnError {
  return new ModeconnError('CANCELLED', 'the job was cancelled', { cause: signal.reason });
}

/**
 * A worker that died before it answered: WORKER_LOAD with the spawner's reason (which names the
 * script's URL). Not WORKER_CRASHED, whose advice says the pool replaced the worker: here no pool exists.
 */
function startFailure(error: unknown): unknown {
  if (!(error instanceof ModeconnError) || error.code !== 'WORKER_CRASHED') return error;
  const reason = error.cause instanceof Error ? error.cause.message : error.message;
  return new ModeconnError('WORKER_LOAD', `the worker pool did not start: ${reason}`, {
    advice: 'createPool rejected and stopped its workers; serve the package\'s dist/worker.js with its chunks/ folder and pass createPool({ workerUrl }) if your bundler does not emit it',
    cause: error,
  });
}

const closedError = () => new ModeconnError('POOL_CLOSED', 'the worker pool is closed', { advice: 'create a new pool' });

/** A call that needs several given workers at once (a replica group's step). */
interface Gang {
  slots: Slot[];
  run(): Promise<unknown>;
  done(value: unknown): void;
  fail(error: unknown): void;
}

/** Workers, queue and the objects they hold. */
export class Scheduler {
  readonly slots: Slot[] = [];
  #queue: Task[] = [];
  #gangs: Gang[] = [];
  #senders = new Map<number, (api: Remote<WorkerApi>) => Promise<void>>();
  #closed = false;

  /** The micro-kernel the workers reported when they started (they all run the same). */
  kernel: GemmKernel = 'simd128';

  /** `exact`: every worker, replacements included, runs the simd128 kernels. */
  constructor(readonly spawner: Spawner, readonly exact: boolean) {}

  /** Starts `count` workers and resolves once every one has loaded its core. */
  async start(count: number): Promise<void> {
    const started = Array.from({ length: count }, () => this.#spawn());
    this.slots.push(...started);
    try {
      await Promise.all(started.map((slot) => slot.started));
    } catch (error) {
      await this.close();
      throw startFailure(error);
    }
  }

  get closed(): boolean {
    return this.#closed;
  }

  #spawn(): Slot {
    const slot = new Slot(this.spawner.spawnWorker());
    slot.spawned.onDeath(() => {
      if (slot.retired) return;
      if (slot.ready) this.replace(slot);
      else this.#drop(slot);
    });
    slot.started = slot.call((api) => api.ready(this.exact)).then((kernel) => {
      // One engine per process or page: workers agree, so a mismatch is a broken host, not a choice.
      if (this.slots.some((other) => other !== slot && other.ready) && kernel !== this.kernel) {
        throw new ModeconnError('WORKER_CRASHED', `a pool worker runs the ${kernel} kernels, the others ${this.kernel}`);
      }
      this.kernel = kernel;
    });
    slot.started.then(
      () => {
        slot.ready = true;
        this.#pump();
      },
      () => this.#drop(slot),
    );
    return slot;
  }

  /** Removes a worker that could not start: spawning it again would loop. */
  #drop(slot: Slot): void {
    slot.retired = true;
    slot.spawned.terminate();
    const index = this.slots.indexOf(slot);
    if (index >= 0) this.slots.splice(index, 1);
    if (this.slots.length > 0 || this.#closed) return;
    const queued = this.#queue;
    this.#queue = [];
    for (const task of queued) task.fail(new ModeconnError('WORKER_CRASHED', 'no pool worker could start'));
  }

  /** Ends `old` and starts a fresh worker in its place. */
  replace(old: Slot): void {
    old.retired = true;
    old.spawned.terminate();
    const index = this.slots.indexOf(old);
    if (index < 0 || this.#closed) return;
    this.slots[index] = this.#spawn();
  }

  /** Registers how to send object `id` to a worker; it is sent the first time a task there needs it. */
  register(id: number, send: (api: Remote<WorkerApi>) => Promise<void>): void {
    this.#senders.set(id, send);
  }

  /** Sends the objects `ids` to `slot` unless it already holds them. */
  async ensure(slot: Slot, ids: number[]): Promise<void> {
    for (const id of ids) {
      if (slot.holds.has(id)) continue;
      const send = this.#senders.get(id);
      if (!send) throw new ModeconnError('STALE_HANDLE', `object ${id} was released from the pool`);
      await slot.call(send);
      // Forgotten while on its way (its job was cancelled): free it at once.
      if (this.#senders.has(id)) slot.holds.add(id);
      else void slot.call((api) => api.release(id)).catch(() => {});
    }
  }

  /** Frees object `id` in every worker that holds it. */
  async forget(id: number): Promise<void> {
    this.#senders.delete(id);
    const holders = this.slots.filter((slot) => slot.holds.delete(id) && !slot.dead);
    await Promise.all(holders.map((slot) => slot.call((api) => api.release(id)).catch(() => {})));
  }

  /** Runs every function of `runs` on some worker; resolves with their results in order. */
  submit<T>(runs: Array<(slot: Slot) => Promise<T>>, options: SubmitOptions): Promise<T[]> {
    const { signal } = options;
    return new Promise<T[]>((resolve, reject) => {
      if (this.#closed) return reject(closedError());
      if (signal?.aborted) return reject(cancelledError(signal));
      const results: T[] = new Array(runs.length);
      const dequeue = () => {
        const mine = new Set<Task>(tasks);
        this.#queue = this.#queue.filter((task) => !mine.has(task));
      };
      let left = runs.length;
      let settled = false;
      const finish = (error?: unknown) => {
        if (settled) return;
        settled = true;
        signal?.removeEventListener('abort', onAbort);
        if (left > 0) dequeue();
        if (error === undefined) resolve(results);
        else reject(error);
      };
      const tasks: Task[] = runs.map((run, index) => ({
        run,
        retries: options.retries,
        slot: null,
        settled: () => settled,
        done: (value) => {
          results[index] = value as T;
          left -= 1;
          options.onTaskDone?.(runs.length - left, runs.length);
          if (left === 0) finish();
        },
        fail: finish,
      }));
      const onAbort = () => {
        const active = tasks.filter((task) => task.slot);
        if (!options.stopRunning || active.length === 0) return finish(cancelledError(signal!));
        dequeue();
        for (const task of active) options.stopRunning(task.slot!);
      };
      signal?.addEventListener('abort', onAbort, { once: true });
      if (runs.length === 0) return finish();
      this.#queue.push(...tasks);
      this.#pump();
    });
  }

  /**
   * Runs `run` once every worker of `slots` is idle, starting no other task on them until it settles
   * (its workers wait for each other: two such calls sharing workers must never hold one each). While
   * it waits, its workers take no new tasks. Fails with WORKER_CRASHED if one of them is gone.
   */
  exclusive<T>(slots: Slot[], run: () => Promise<T>): Promise<T> {
    return new Promise<T>((resolve, reject) => {
      if (this.#closed) return reject(closedError());
      this.#gangs.push({ slots, run, done: resolve as (value: unknown) => void, fail: reject });
      this.#pump();
    });
  }

  async #runGang(gang: Gang): Promise<void> {
    for (const slot of gang.slots) slot.busy = true;
    try {
      gang.done(await gang.run());
    } catch (error) {
      gang.fail(this.#closed ? closedError() : error);
    } finally {
      for (const slot of gang.slots) slot.busy = false;
      this.#pump();
    }
  }

  #pump(): void {
    // Calls on several workers first, in order; the workers they wait for are kept for them.
    const reserved = new Set<Slot>();
    for (const gang of [...this.#gangs]) {
      if (gang.slots.some((slot) => slot.dead || !this.slots.includes(slot))) {
        this.#gangs.splice(this.#gangs.indexOf(gang), 1);
        gang.fail(new ModeconnError('WORKER_CRASHED', 'a worker this job kept its state in has died', { advice: 'the pool replaced it; start the job again' }));
      } else if (gang.slots.every((slot) => slot.ready && !slot.busy && !reserved.has(slot))) {
        this.#gangs.splice(this.#gangs.indexOf(gang), 1);
        void this.#runGang(gang);
      } else {
        for (const slot of gang.slots) reserved.add(slot);
      }
    }
    for (const slot of this.slots) {
      if (!slot.ready || slot.busy || slot.dead || reserved.has(slot)) continue;
      let task = this.#queue.shift();
      while (task && task.settled()) task = this.#queue.shift();
      if (!task) return;
      void this.#run(slot, task);
    }
  }

  async #run(slot: Slot, task: Task): Promise<void> {
    slot.busy = true;
    task.slot = slot;
    try {
      const value = await task.run(slot);
      if (!task.settled()) task.done(value);
    } catch (error) {
      const trapped = error instanceof ModeconnError && error.code === 'WASM_TRAP';
      if (this.#closed) task.fail(closedError());
      else if (!slot.dead && !trapped) task.fail(error);
      else {
        if (trapped) this.replace(slot);
        if (task.retries > 0 && !task.settled()) {
          task.retries -= 1;
          this.#queue.unshift(task);
        } else {
          task.fail(trapped ? new ModeconnError('WORKER_CRASHED', 'a pool worker trapped', { advice: 'the pool replaced it and stays usable', cause: error }) : error);
        }
      }
    } finally {
      task.slot = null;
      slot.busy = false;
      this.#pump();
    }
  }

  /** Fails queued work with POOL_CLOSED and ends every worker. */
  async close(): Promise<void> {
    this.#closed = true;
    const queued = this.#queue;
    this.#queue = [];
    for (const task of queued) task.fail(closedError());
    const gangs = this.#gangs;
    this.#gangs = [];
    for (const gang of gangs) gang.fail(closedError());
    for (const slot of this.slots) {
      slot.retired = true;
      slot.fail(closedError());
      slot.spawned.terminate();
    }
  }
}
