// Grids evaluated in parts (the library side of sharded runs): a BatchNorm net's 2-D surface and a
// Bezier path (with per-sample results) evaluated as 3 round-robin shards, each shard's cells sent
// through exact JSON (as part files are) and assembled, give evaluateSurface's and evaluatePath's
// reports bit for bit, apart from the manifests' creation times; shards may run on a worker pool.
// From the built package (the pool's workers are built files).
import { afterAll, describe, expect, it } from 'vitest';
import { parseExact, stringifyExact } from '../../ts/io/exact-json.js';
import {
  assemblePathReport, assembleSurfaceReport, bezierPath, cellsOfShard, createPool, evaluatePath, evaluateSurface, gaussianBlobs, mlp,
  planPathCells, planSurfaceCells, randomDirection, trainModel,
} from 'modeconn';

const SHARDS = 3;
/** A report as exact JSON without its manifests' creation times: equal text = equal bits. */
const exact = (report: unknown) => stringifyExact(report).replace(/"createdAt":"[^"]*"/g, '');

/** Every shard's cells, through exact JSON, put back in order. */
async function shardedCells<C>(count: number, evaluate: (indices: readonly number[]) => Promise<C[]>): Promise<C[]> {
  const cells: C[] = new Array(count);
  for (let index = 0; index < SHARDS; index++) {
    const indices = cellsOfShard(count, { index, count: SHARDS });
    const values = parseExact(stringifyExact(await evaluate(indices))) as C[];
    indices.forEach((c, j) => (cells[c] = values[j]));
  }
  return cells;
}

describe('grids in parts', async () => {
  const train = gaussianBlobs({ n: 300, classes: 3, dims: 6, seed: 1 });
  const test = gaussianBlobs({ n: 120, classes: 3, dims: 6, seed: 2 });
  const arch = mlp({ input: 6, hidden: [12], classes: 3, batchNorm: true });
  const opts = { epochs: 2, batchSize: 50, optimizer: { type: 'sgd' as const, lr: 0.05, momentum: 0.9 } };
  const a = (await trainModel(arch, train, { ...opts, seed: 1 })).params;
  const b = (await trainModel(arch, train, { ...opts, seed: 2 })).params;
  const pool = await createPool({ workers: 2 });
  afterAll(() => pool.close());

  it('a 2-D surface (BatchNorm recomputed at every point) in 3 shards is evaluateSurface\'s report', async () => {
    const surface = { origin: a, directions: [randomDirection(arch, a, { seed: 3, stream: 0 }), randomDirection(arch, a, { seed: 3, stream: 1 })] as const };
    const options = { xs: [-1, -0.3, 0.4, 1], ys: [-0.5, 0, 0.5], seeds: { directions: 3 } };
    const whole = await evaluateSurface(arch, surface, { train, test }, options);
    for (const runner of [undefined, pool]) {
      const plan = await planSurfaceCells(arch, surface, { train, test }, { ...options, runner });
      expect(plan.count).toBe(12);
      const cells = await shardedCells(plan.count, plan.evaluate);
      expect(exact(assembleSurfaceReport(parseExact(stringifyExact(plan.plan)) as typeof plan.plan, cells))).toBe(exact(whole));
    }
  });

  it('a Bezier path with per-sample results in 3 shards is evaluatePath\'s report', async () => {
    const mid = a.map((x, i) => 0.5 * (x + b[i]) + 0.01);
    const path = bezierPath([a, mid, b]);
    const options = { points: 7, perSample: true, perClass: true };
    const whole = await evaluatePath(path, arch, { train, test }, options);
    const plan = await planPathCells(path, arch, { train, test }, { ...options, runner: pool });
    try {
      const cells = await shardedCells(plan.count, plan.evaluate);
      expect(exact(assemblePathReport(parseExact(stringifyExact(plan.plan)) as typeof plan.plan, cells))).toBe(exact(whole));
    } finally {
      plan.free();
    }
  });

  it('assembling needs every cell', async () => {
    const plan = await planSurfaceCells(arch, { origin: a, directions: [b] }, { test }, { xs: [0, 1] });
    expect(() => assembleSurfaceReport(plan.plan, [])).toThrow(/2 points/);
  });
});
