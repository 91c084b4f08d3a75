// Worker pool: 32 parameter vectors (points on the line between two initialisations) of an MLP
// 784-512-512-10 evaluated on 10,000 images, inline on this thread and on pools of 1 and 2 workers.
// Shards are the inline batches (1000 samples), so every configuration gives the same bits (checked).
// FLOPs per vector = 2·n·(784·512 + 512·512 + 512·10). The 32 vectors run in chunks of 8, each chunk
// on inline, 1 and 2 workers in turn, so drift in machine load hits every configuration alike;
// times are summed over the chunks. POOL_BENCH_POINTS shrinks the run for a quick look.
import { loadavg } from 'node:os';
import { fmt, table } from './util.mjs';

const POINTS = Number(process.env.POOL_BENCH_POINTS ?? 32);
const CHUNK = 8;
const BATCH = 1000;
const WEIGHTS = 784 * 512 + 512 * 512 + 512 * 10;

async function loadImages(lib) {
  try {
    return { data: await lib.loadFashionMnist({ split: 'test' }), source: 'Fashion-MNIST test split' };
  } catch (error) {
    if (error.code !== 'DATA_UNAVAILABLE') throw error;
    return { data: await lib.loadMnist({ split: 'all' }), source: "MNIST digits ('all' of the mnist package)" };
  }
}

const seconds = async (fn) => {
  const t0 = performance.now();
  const value = await fn();
  return { s: (performance.now() - t0) / 1000, value };
};

export default async function run({ lib }) {
  const { data, source } = await loadImages(lib);
  const arch = lib.mlp({ input: [1, 28, 28], hidden: [512, 512], classes: 10 });
  const compiled = lib.compileArch(arch);
  const a = lib.initParams(compiled, { seed: 1 });
  const b = lib.initParams(compiled, { seed: 2 });
  const thetas = Array.from({ length: POINTS }, (_, i) => {
    const t = i / (POINTS - 1);
    return a.map((v, j) => (1 - t) * v + t * b[j]);
  });
  const options = { batchSize: BATCH };

  const engine = await lib.Engine.local();
  engine.evaluate(compiled, thetas[0], data, options); // upload and plan, as the pools' warm-up does
  const pools = { 1: await lib.createPool({ workers: 1 }), 2: await lib.createPool({ workers: 2 }) };
  const configs = {
    inline: (chunk) => chunk.map((theta) => engine.evaluate(compiled, theta, data, options)),
    '1 worker': (chunk) => lib.evaluateMany(arch, chunk, data, { ...options, runner: pools[1] }),
    '2 workers': (chunk) => lib.evaluateMany(arch, chunk, data, { ...options, runner: pools[2] }),
  };
  const t = Object.fromEntries(Object.keys(configs).map((k) => [k, 0]));
  const load = [];
  let identical = true;
  try {
    for (const pool of Object.values(pools)) await lib.evaluateMany(arch, thetas.slice(0, 1), data, { ...options, runner: pool });
    for (let first = 0; first < POINTS; first += CHUNK) {
      const chunk = thetas.slice(first, first + CHUNK);
      let reference = null;
      for (const [name, fn] of Object.entries(configs)) {
        load.push(loadavg()[0]);
        const { s, value } = await seconds(() => fn(chunk));
        t[name] += s;
        reference ??= value;
        identical &&= value.every((v, i) => v.loss === reference[i].loss && v.accuracy === reference[i].accuracy);
      }
    }
  } finally {
    await Promise.all(Object.values(pools).map((p) => p.close()));
  }

  const gflop = (2 * data.n * WEIGHTS * POINTS) / 1e9;
  const rows = Object.keys(configs).map((name) => [
    name, fmt(t[name]), fmt(POINTS / t[name]), fmt(gflop / t[name]), `${fmt(t.inline / t[name])}×`,
  ]);
  const overhead = t['1 worker'] / t.inline - 1;
  const speedup = t['1 worker'] / t['2 workers'];
  const text = [
    `${POINTS} parameter vectors of an MLP 784-512-512-10 (points on the line between two initialisations), each evaluated (eval mode, batches of ${BATCH}) on the ${data.n.toLocaleString('en')} images of the ${source}; ` +
      `${fmt(gflop)} GFLOP per configuration. Inline = \`Engine.evaluate\` on this thread; pools = \`evaluateMany(…, { runner: pool })\` (shards of one batch, data resident in the workers after a warm-up). ` +
      `Chunks of ${CHUNK} vectors interleaved across the configurations, times summed; 1-minute load average during the run ${fmt(Math.min(...load), 2)}–${fmt(Math.max(...load), 2)} on a machine other jobs share (2 cores: a load above 2 means other jobs took some of them).`,
    '',
    table(['configuration', 'seconds', 'vectors/s', 'GFLOP/s', 'throughput vs inline'], rows),
    '',
    `- 2 workers vs 1 worker: **${fmt(speedup)}×** throughput (target ≥ 1.8×); 2 workers vs inline: ${fmt(t.inline / t['2 workers'])}×.`,
    `- Pool overhead (1 worker vs inline): **${fmt(100 * overhead, 2)}%** (target ≤ 5%).`,
    `- Results bit-identical across inline, 1 and 2 workers: ${identical ? 'yes' : '**no**'}.`,
  ];
  return { title: 'Worker pool (evaluation throughput)', markdown: text.join('\n') };
}
