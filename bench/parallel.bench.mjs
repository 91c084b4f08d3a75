// Data-parallel training: the first STEPS steps of an epoch of MLP 784-512-512-10 (batch 128, SGD lr
// 0.05 momentum 0.9) on the 60,000 Fashion-MNIST training images, extrapolated to the epoch's 469
// steps, for: one fused call per batch on this thread (shards 1), 2 virtual shards on this thread, and
// 2 shards on pools of 1 and 2 workers (replica groups; the same bits as each other: checked); then one
// epoch of curve fitting (one-bend Bezier, 2 shards) on this thread and on 2 workers. Rounds
// interleaved; medians.
import { cpus } from 'node:os';
import { performance } from 'node:perf_hooks';
import { fmt, median, table } from './util.mjs';

const STEPS = Number(process.env.MODECONN_BENCH_PARALLEL_STEPS ?? 120);
const ROUNDS = 3;
const BATCH = 128;
const SHARDS = 2;

const bits = (a) => Buffer.from(a.buffer, a.byteOffset, a.byteLength).toString('hex');

export default async function run({ lib }) {
  const train = await lib.loadFashionMnist({ split: 'train' });
  const arch = lib.mlp({ input: [1, 28, 28], hidden: [512, 512], classes: 10 });
  const compiled = lib.compileArch(arch);
  const init = lib.initParams(compiled, { seed: 1 });
  const perEpoch = Math.ceil(train.n / BATCH);
  const job = { seed: 1, epochs: 1, batchSize: BATCH, optimizer: { type: 'sgd', lr: 0.05, momentum: 0.9 }, init, stopAfter: STEPS };
  const pools = { 1: await lib.createPool({ workers: 1 }), 2: await lib.createPool({ workers: 2 }) };
  const configs = {
    'this thread, fused (shards 1)': () => lib.trainModel(arch, train, job),
    [`this thread, ${SHARDS} shards`]: () => lib.trainModel(arch, train, { ...job, shards: SHARDS }),
    [`1 worker, ${SHARDS} shards`]: () => lib.trainModel(arch, train, { ...job, shards: SHARDS, runner: pools[1] }),
    [`2 workers, ${SHARDS} shards`]: () => lib.trainModel(arch, train, { ...job, shards: SHARDS, runner: pools[2] }),
  };
  const times = Object.fromEntries(Object.keys(configs).map((k) => [k, []]));
  const out = {};
  try {
    for (const fn of Object.values(configs)) await lib.trainModel(arch, train, { ...job, stopAfter: 3, shards: fn === configs['this thread, fused (shards 1)'] ? 1 : SHARDS, runner: fn === configs[`2 workers, ${SHARDS} shards`] ? pools[2] : undefined });
    for (let r = 0; r < ROUNDS; r++) {
      for (const [name, fn] of Object.entries(configs)) {
        process.stderr.write(`bench: parallel: ${name}, round ${r + 1}\n`);
        const t0 = performance.now();
        out[name] = await fn();
        times[name].push(((performance.now() - t0) / 1000) * (perEpoch / STEPS));
      }
    }
    const sharded = Object.keys(configs).slice(1).map((k) => bits(out[k].params));
    const identical = sharded.every((b) => b === sharded[0]);
    const base = median(times[`1 worker, ${SHARDS} shards`]);
    const fused = median(times['this thread, fused (shards 1)']);
    const rows = Object.keys(configs).map((k) => [k, fmt(median(times[k])), fmt(fused / median(times[k]), 3) + 'x', fmt(base / median(times[k]), 3) + 'x']);

    // Curve fitting: one epoch, 2 shards, this thread vs 2 workers.
    const b = lib.initParams(compiled, { seed: 2 });
    const curve = lib.bezierCurve(init, b);
    const fit = { seed: 1, epochs: 1, batchSize: BATCH, shards: SHARDS };
    const fitSub = lib.subsetDataSet(train, Uint32Array.from({ length: STEPS * BATCH }, (_, i) => i), 'fashion-mnist[:steps]');
    const fitTimes = { inline: [], pool: [] };
    for (let r = 0; r < ROUNDS; r++) {
      for (const [name, runner] of [['inline', undefined], ['pool', pools[2]]]) {
        const t0 = performance.now();
        await lib.fitCurve(curve, arch, fitSub, { ...fit, runner });
        fitTimes[name].push(((performance.now() - t0) / 1000) * (perEpoch / STEPS));
      }
    }
    // AutoNEB: one cycle of STEPS/2 steps on 2 pivots (each step a gradient at every pivot), 2 shards.
    const neb = { seed: 1, pivots: 2, cycles: 1, steps: Math.max(2, STEPS / 2), batchSize: BATCH, scoreSamples: 1000, shards: SHARDS };
    const nebTimes = { inline: [], pool: [] };
    for (let r = 0; r < ROUNDS; r++) {
      for (const [name, runner] of [['inline', undefined], ['pool', pools[2]]]) {
        const t0 = performance.now();
        await lib.autoNeb(arch, init, b, fitSub, { ...neb, runner });
        nebTimes[name].push((performance.now() - t0) / 1000);
      }
    }
    const markdown = [
      `${STEPS} of the epoch's ${perEpoch} steps timed and scaled to the epoch (seconds); ${cpus().length} cores. ` +
        `Shards: each batch's gradient is the blend of ${SHARDS} shard gradients (weights n_s/n). On a pool the workers form a replica group: each holds θ, computes its shards, ` +
        'then reduces and steps the optimiser on its slice of θ through shared memory (docs/WORKERS.md); the calling thread only posts each step. ' +
        `The three ${SHARDS}-shard runs give the same bits: ${identical ? 'yes' : '**no**'}.`,
      '',
      table(['configuration', 'epoch (s)', 'vs fused', `vs 1 worker, ${SHARDS} shards`], rows),
      '',
      `Curve fitting (one-bend Bezier, ${SHARDS} shards), one epoch: this thread ${fmt(median(fitTimes.inline))} s, 2 workers ${fmt(median(fitTimes.pool))} s ` +
        `(**${fmt(median(fitTimes.inline) / median(fitTimes.pool), 3)}x**).`,
      '',
      `AutoNEB (2 pivots, one cycle of ${neb.steps} steps, ${SHARDS} shards, scored on 1000 samples): this thread ${fmt(median(nebTimes.inline))} s, ` +
        `2 workers ${fmt(median(nebTimes.pool))} s (**${fmt(median(nebTimes.inline) / median(nebTimes.pool), 3)}x**).`,
    ].join('\n');
    return { title: 'Data-parallel training (virtual shards on the pool)', markdown };
  } finally {
    await Promise.all(Object.values(pools).map((p) => p.close()));
  }
}
