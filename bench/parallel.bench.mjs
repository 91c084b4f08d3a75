// Data-parallel training: the first STEPS steps of an epoch of MLP 784-512-512-10 (batch 128, SGD lr
// 0.05 momentum 0.9) on the 60,000 Fashion-MNIST training images, extrapolated to the epoch's 469
// steps, for: one fused call per batch on this thread (shards 1), 2 virtual shards on this thread, and
// 2 shards on pools of 1 and 2 workers (replica groups; the same bits as each other: checked); then
// curve fitting (one-bend Bezier, 2 shards) and one AutoNEB cycle (2 pivots, 1 and 2 shards) on this
// thread and on pools of 1 and 2 workers. Rounds interleaved; medians.
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

    // Curve fitting (2 shards) and AutoNEB (2 pivots; 1 and 2 shards): this thread, 1 worker, 2 workers.
    // Curve fitting is timed in steady state (steps 10 .. STEPS, from onProgress) and scaled to the
    // epoch; AutoNEB is one cycle of STEPS steps, whole (its set-up and scoring included).
    const b = lib.initParams(compiled, { seed: 2 });
    const curve = lib.bezierCurve(init, b);
    const fitSub = lib.subsetDataSet(train, Uint32Array.from({ length: STEPS * BATCH }, (_, i) => i), 'fashion-mnist[:steps]');
    const runners = [['this thread', undefined], ['1 worker', pools[1]], ['2 workers', pools[2]]];
    const fitTimes = Object.fromEntries(runners.map(([name]) => [name, []]));
    const fitPoints = {};
    const nebCases = [1, SHARDS].flatMap((shards) => runners.map(([name, runner]) => [`${name}, ${shards} shard${shards > 1 ? 's' : ''}`, runner, shards]));
    const nebTimes = Object.fromEntries(nebCases.map(([name]) => [name, []]));
    const nebBands = {};
    for (let r = 0; r < ROUNDS; r++) {
      for (const [name, runner] of runners) {
        process.stderr.write(`bench: parallel: curve fitting, ${name}, round ${r + 1}\n`);
        let from = 0;
        let to = 0;
        const fitted = await lib.fitCurve(curve, arch, fitSub, {
          seed: 1, epochs: 1, batchSize: BATCH, shards: SHARDS, runner,
          onProgress: (p) => {
            if (p.step === 10) from = performance.now();
            if (p.step === p.steps) to = performance.now();
          },
        });
        fitPoints[name] = bits(fitted.path.points[1]);
        fitTimes[name].push(((to - from) / 1000) * (perEpoch / (STEPS - 10)));
      }
      for (const [name, runner, shards] of nebCases) {
        process.stderr.write(`bench: parallel: AutoNEB, ${name}, round ${r + 1}\n`);
        const t0 = performance.now();
        const neb = await lib.autoNeb(arch, init, b, fitSub, { seed: 1, pivots: 2, cycles: 1, steps: STEPS, batchSize: BATCH, scoreSamples: 1000, shards, runner });
        nebTimes[name].push((performance.now() - t0) / 1000);
        nebBands[name] = neb.path.points.map(bits).join();
      }
    }
    const sameFit = Object.values(fitPoints).every((v) => v === fitPoints['this thread']);
    const sameNeb = [1, SHARDS].every((shards) => runners.every(([name]) => nebBands[`${name}, ${shards} shard${shards > 1 ? 's' : ''}`] === nebBands[`this thread, ${shards} shard${shards > 1 ? 's' : ''}`]));
    const fitRows = runners.map(([name]) => [name, fmt(median(fitTimes[name])), fmt(median(fitTimes['1 worker']) / median(fitTimes[name]), 3) + 'x', fmt(median(fitTimes['this thread']) / median(fitTimes[name]), 3) + 'x']);
    const nebRows = nebCases.map(([name, , shards]) => {
      const one = median(nebTimes[`1 worker, ${shards} shard${shards > 1 ? 's' : ''}`]);
      const here = median(nebTimes[`this thread, ${shards} shard${shards > 1 ? 's' : ''}`]);
      return [name, fmt(median(nebTimes[name])), fmt(one / median(nebTimes[name]), 3) + 'x', fmt(here / median(nebTimes[name]), 3) + 'x'];
    });
    const markdown = [
      `${STEPS} of the epoch's ${perEpoch} steps timed and scaled to the epoch (seconds); ${cpus().length} cores. ` +
        `Shards: each batch's gradient is the blend of ${SHARDS} shard gradients (weights n_s/n). On a pool the workers form a replica group: each holds θ, computes its shards, ` +
        'then reduces and steps the optimiser on its slice of θ through shared memory (docs/WORKERS.md); the calling thread only posts each step. ' +
        `The three ${SHARDS}-shard runs give the same bits: ${identical ? 'yes' : '**no**'}.`,
      '',
      table(['configuration', 'epoch (s)', 'vs fused', `vs 1 worker, ${SHARDS} shards`], rows),
      '',
      `Curve fitting (one-bend Bezier, ${SHARDS} shards; on a pool the workers hold the curve's points, blend θ(t), and each steps its slice of the bend): ` +
        `one epoch (steps 10 .. ${STEPS} timed, scaled to ${perEpoch} steps). The same bend on every runner: ${sameFit ? 'yes' : '**no**'}.`,
      '',
      table(['runner', 'epoch (s)', 'vs 1 worker', 'vs this thread'], fitRows),
      '',
      `AutoNEB (2 pivots, one cycle of ${STEPS} steps, batch ${BATCH}, scored on 1000 samples; set-up and scoring included): on a pool the pivots' gradients of a step ` +
        `are computed at once, their (pivot, shard) units spread over the workers; the forces and updates stay on this thread. The same band on every runner: ${sameNeb ? 'yes' : '**no**'}.`,
      '',
      table(['runner, shards', 'cycle (s)', 'vs 1 worker', 'vs this thread'], nebRows),
    ].join('\n');
    return { title: 'Data-parallel training (virtual shards on the pool)', markdown };
  } finally {
    await Promise.all(Object.values(pools).map((p) => p.close()));
  }
}
