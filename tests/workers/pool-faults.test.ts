// The pool under stress, from the built package: cancellation within a batch, workers killed or
// trapped mid-job (replaced; idempotent work retried, training failed with WORKER_CRASHED), worker
// memory flat over 500 calls, and processes that exit by themselves.
import { afterAll, describe, expect, it } from 'vitest';
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import * as lib from 'modeconn';
import type { Pool } from 'modeconn';

const bits = (a: Float32Array) => Buffer.from(a.buffer, a.byteOffset, a.byteLength).toString('hex');
type Faulty = Pool & { injectFault(index: number, fault: lib.WorkerFault): Promise<void> };

const data = lib.gaussianBlobs({ n: 3000, classes: 10, dims: 64, seed: 1 });
const arch = lib.mlp({ input: 64, hidden: [256, 256], classes: 10 });
const compiled = lib.compileArch(arch);
const thetas = Array.from({ length: 12 }, (_, i) => lib.initParams(compiled, { seed: i + 1 }));

describe('worker pool faults (dist/, worker_threads)', async () => {
  const engine = await lib.Engine.create();
  const inline = thetas.map((t) => engine.evaluate(compiled, t, data, { batchSize: 100 }));
  const pool = (await lib.createPool({ workers: 2 })) as Faulty;
  afterAll(() => pool.close());

  const expectInline = async () => {
    const again = await lib.evaluateMany(arch, thetas.slice(0, 3), data, { runner: pool, batchSize: 100 });
    again.forEach((r, i) => expect(bits(r.losses)).toBe(bits(inline[i].losses)));
  };

  it('cancels an evaluation: CANCELLED at once, workers free after their current batch', async () => {
    const controller = new AbortController();
    let events = 0;
    const job = lib.evaluateMany(arch, thetas, data, { runner: pool, batchSize: 100,
      signal: controller.signal,
      onProgress: () => {
        events += 1;
        if (events === 3) controller.abort(new Error('enough'));
      },
    });
    await expect(job).rejects.toMatchObject({ code: 'CANCELLED' });
    expect(events).toBe(3);
    await expectInline();
  });

  it('cancels a training run within one batch', async () => {
    const big = lib.gaussianBlobs({ n: 40 * 256, classes: 10, dims: 256, seed: 2 });
    const wide = lib.mlp({ input: 256, hidden: [512, 512], classes: 10 });
    // The time of one batch, measured on this thread.
    const t0 = performance.now();
    await lib.trainModel(wide, lib.subsetDataSet(big, Uint32Array.from({ length: 4 * 256 }, (_, i) => i)), { seed: 1, epochs: 1, batchSize: 256 });
    const batchMs = (performance.now() - t0) / 4;
    const controller = new AbortController();
    let abortedAt = 0;
    const run = pool.train(wide, big, {
      seed: 1, epochs: 5, batchSize: 256, signal: controller.signal,
      onProgress: () => {
        if (!abortedAt) {
          abortedAt = performance.now();
          controller.abort();
        }
      },
    });
    await expect(run).rejects.toMatchObject({ code: 'CANCELLED' });
    const stopMs = performance.now() - abortedAt;
    // 200 batches were left; the worker stops after the one in flight.
    expect(stopMs).toBeLessThan(3 * batchMs + 250);
    await pool.release(big);
  });

  it('retries an evaluation whose worker is terminated mid-job, with the same bits', async () => {
    let killed = false;
    const results = await lib.evaluateMany(arch, thetas, data, { runner: pool, batchSize: 100,
      onProgress: () => {
        if (!killed) {
          killed = true;
          void pool.injectFault(0, 'terminate');
        }
      },
    });
    expect(killed).toBe(true);
    results.forEach((r, i) => {
      expect(r.loss).toBe(inline[i].loss);
      expect(bits(r.losses)).toBe(bits(inline[i].losses));
    });
    expect(pool.size).toBe(2);
    expect(await pool.memory()).toHaveLength(2);
  });

  it('fails a training run whose worker crashes with WORKER_CRASHED and stays usable', async () => {
    let crashed = false;
    const run = pool.train(arch, data, {
      seed: 1, epochs: 50, batchSize: 32,
      onProgress: () => {
        if (!crashed) {
          crashed = true;
          // Both workers, so the one running the job is surely hit.
          void pool.injectFault(0, 'crash');
          void pool.injectFault(1, 'crash');
        }
      },
    });
    await expect(run).rejects.toMatchObject({ code: 'WORKER_CRASHED' });
    expect(pool.size).toBe(2);
    await expectInline();
  });

  it('replaces a worker whose WASM core trapped', async () => {
    await pool.injectFault(1, 'trap');
    await expectInline();
    expect((await pool.memory()).every((m) => m.memoryBytes > 0)).toBe(true);
  });

  it('keeps worker memory flat across 500 evaluate calls', async () => {
    const small = lib.mlp({ input: 64, hidden: [32], classes: 10 });
    const subset = lib.subsetDataSet(data, Uint32Array.from({ length: 400 }, (_, i) => i));
    const theta = lib.initParams(lib.compileArch(small), { seed: 3 });
    const run = async (times: number) => {
      for (let i = 0; i < times; i++) await lib.evaluateModel({ arch: small, params: theta }, subset, { runner: pool, batchSize: 100 });
    };
    await run(20);
    const before = await pool.memory();
    await run(500);
    const after = await pool.memory();
    expect(after).toEqual(before);
    await pool.release(subset);
  });

  it('rejects work after close with POOL_CLOSED', async () => {
    const other = await lib.createPool({ workers: 1 });
    const pending = expect(lib.evaluateMany(arch, thetas, data, { runner: other, batchSize: 100 })).rejects.toMatchObject({ code: 'POOL_CLOSED' });
    await other.close();
    await pending;
    await expect(lib.evaluateModel({ arch, params: thetas[0] }, data, { runner: other })).rejects.toMatchObject({ code: 'POOL_CLOSED' });
  });
});

describe('no handle keeps Node alive', () => {
  const dist = new URL('../../dist/index.js', import.meta.url).href;
  const script = (body: string) => `
    const lib = await import(${JSON.stringify(dist)});
    const data = lib.twoMoons({ n: 500, seed: 1 });
    const arch = lib.mlp({ input: 2, hidden: [16], classes: 2 });
    const params = lib.initParams(lib.compileArch(arch), { seed: 1 });
    const pool = await lib.createPool({ workers: 2 });
    const r = await lib.evaluateModel({ arch, params }, data, { runner: pool, batchSize: 100 });
    await pool.train(arch, data, { seed: 1, epochs: 1, onProgress: () => {} });
    ${body}
    console.log('done', r.loss);
  `;
  const run = (body: string) =>
    spawnSync(process.execPath, ['--input-type=module', '-e', script(body)], { cwd: fileURLToPath(new URL('../..', import.meta.url)), encoding: 'utf8', timeout: 30_000 });

  it('a process that closes its pool (after a cancel and a crash) exits by itself', () => {
    const out = run(`
      const c = new AbortController();
      await pool.train(arch, data, { seed: 1, epochs: 1000, signal: c.signal, onProgress: () => c.abort() }).catch(() => {});
      await pool.injectFault(1, 'crash');
      await lib.evaluateModel({ arch, params }, data, { runner: pool });
      await pool.close();
      // close() must settle every time (it once waited for exit events that can go missing).
      for (let i = 0; i < 3; i++) {
        const again = await lib.createPool({ workers: 2 });
        await lib.evaluateModel({ arch, params }, data, { runner: again });
        await again.close();
      }
    `);
    expect(out.stderr).toBe('');
    expect(out.status).toBe(0);
    expect(out.stdout).toMatch(/^done /);
  });

  it('a process that forgets to close an idle pool exits too', () => {
    const out = run('');
    expect(out.status).toBe(0);
    expect(out.stdout).toMatch(/^done /);
  });
});
