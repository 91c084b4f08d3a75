// Alignment (issue #6): wall time of weight matching (Ainsworth et al.'s Algorithm 1,
// `weightMatching`) of two independently trained MLP 784-512-512-10 on Fashion-MNIST, with the number
// of passes and solves and the time split (cost matrices, assignment solves, objective, aligned θ,
// function check, from the `timings` option); the same on a planted permutation (B = π(A), which
// must be recovered exactly); and activation matching on 1,000 and 2,000 samples for reference.
// The models: 1 epoch (SGD lr 0.05 momentum 0.9, batch 128) on the first 10,000 training images from
// seeds 1 and 2, cached as safetensors under MODECONN_BENCH_ALIGN_CACHE (default
// <tmpdir>/modeconn-bench-align) so a re-run skips training (training is deterministic per seed).
//
// Environment: MODECONN_BENCH_ALIGN_REPS (weight-matching repetitions, median kept; default 5),
// MODECONN_BENCH_ALIGN_CACHE (model cache directory; 'none' trains every time).
import { existsSync, mkdirSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { fmt, median, table } from './util.mjs';

const REPS = Number(process.env.MODECONN_BENCH_ALIGN_REPS ?? 5);
const CACHE = process.env.MODECONN_BENCH_ALIGN_CACHE ?? join(tmpdir(), 'modeconn-bench-align');
const HIDDEN = [512, 512];
const TRAIN_SAMPLES = 10000;
const SEEDS = [1, 2];
const WM_SEED = 0;
const PHASES = ['cost', 'solve', 'objective', 'permute', 'check'];

const now = () => performance.now() / 1000;

/** The two trained models (from the cache when there). */
async function models(lib, arch, engine) {
  const train = await lib.loadFashionMnist({ split: 'train' });
  const data = lib.subsetDataSet(train, Uint32Array.from({ length: TRAIN_SAMPLES }, (_, i) => i), `fashion-mnist-train-first-${TRAIN_SAMPLES}`);
  const out = [];
  let trained = 0;
  for (const seed of SEEDS) {
    const file = CACHE === 'none' ? null : join(CACHE, `mlp784-${HIDDEN.join('-')}-10-e1-n${TRAIN_SAMPLES}-s${seed}.safetensors`);
    if (file && existsSync(file)) {
      out.push(await lib.loadModel(file, { arch }));
      continue;
    }
    process.stderr.write(`bench: align: training seed ${seed}\n`);
    const t0 = now();
    const m = await lib.trainModel(arch, data, { seed, epochs: 1, batchSize: 128, optimizer: { type: 'sgd', lr: 0.05, momentum: 0.9 } });
    trained += now() - t0;
    const model = { arch, params: m.params };
    if (file) {
      mkdirSync(CACHE, { recursive: true });
      await lib.saveModel(model, file);
    }
    out.push(model);
  }
  return { models: out, trained };
}

/** REPS runs of weight matching (after one warm-up): median wall time and median split. */
async function timeWeightMatching(lib, a, b, engine, label) {
  const runs = [];
  for (let r = 0; r <= REPS; r++) {
    process.stderr.write(`bench: align: ${label}, run ${r}/${REPS}\n`);
    const timings = {};
    const t0 = now();
    const result = await lib.weightMatching(a, b, { seed: WM_SEED, timings });
    const s = now() - t0;
    if (r > 0) runs.push({ s, timings, result });
  }
  const split = Object.fromEntries(PHASES.map((p) => [p, median(runs.map((x) => x.timings[p] ?? 0))]));
  const { result } = runs[0];
  return {
    s: median(runs.map((x) => x.s)), min: Math.min(...runs.map((x) => x.s)), max: Math.max(...runs.map((x) => x.s)),
    split, passes: result.objective.length, solves: runs[0].timings.solves, result,
  };
}

export default async function run({ lib }) {
  const arch = lib.mlp({ input: [1, 28, 28], hidden: HIDDEN, classes: 10 });
  const compiled = lib.compileArch(arch);
  const engine = await lib.Engine.local();
  const load = [loadavg()[0]];
  const { models: [a, b], trained } = await models(lib, arch, engine);
  const spec = lib.permutationSpec(arch);
  const groups = spec.groups.length;

  const wm = await timeWeightMatching(lib, a, b, engine, 'weight matching, trained pair');
  const planted = lib.randomPermutations(spec, 7);
  const bPlanted = { arch, params: lib.applyPermutation(arch, a.params, planted, compiled) };
  const wmPlanted = await timeWeightMatching(lib, a, bPlanted, engine, 'weight matching, planted');
  const recovered = spec.groups.every((g) => lib.invertPermutation(planted[g.name]).every((v, i) => v === wmPlanted.result.permutations[g.name][i]));
  load.push(loadavg()[0]);

  const test = await lib.loadFashionMnist({ split: 'test' });
  const am = [];
  for (const samples of [1000, 2000]) {
    const times = [];
    let result;
    for (let r = 0; r < 3; r++) {
      process.stderr.write(`bench: align: activation matching, ${samples} samples, run ${r}\n`);
      const t0 = now();
      result = await lib.activationMatching(a, b, test, { samples });
      if (r > 0) times.push(now() - t0);
    }
    am.push({ samples, s: median(times), n: times.length, corr: Object.values(result.correlation) });
  }
  load.push(loadavg()[0]);

  const ms = (x) => (x >= 0.1 ? String(Math.round(1e3 * x)) : fmt(1e3 * x));
  const pct = (x, total) => `${fmt((100 * x) / total, 2)}%`;
  const wmRow = (label, r) => {
    const total = PHASES.reduce((s, p) => s + r.split[p], 0);
    return [label, `**${fmt(r.s)}**`, `${fmt(r.min)}–${fmt(r.max)}`, String(r.passes), r.solves == null ? '—' : String(r.solves),
      ...PHASES.map((p) => `${ms(r.split[p])} (${pct(r.split[p], total)})`),
      r.solves ? ms(r.split.solve / r.solves) : '—'];
  };
  const objective = wm.result.objective;
  const text = [
    `Two MLP 784-${HIDDEN.join('-')}-10 (no BatchNorm) trained independently from seeds ${SEEDS.join(' and ')}, 1 epoch of SGD (lr 0.05, momentum 0.9, batch 128) on the first ${TRAIN_SAMPLES.toLocaleString('en')} Fashion-MNIST training images` +
      `${trained > 0 ? ` (trained in this run, ${fmt(trained)} s)` : ' (loaded from the bench cache)'}. ` +
      `\`weightMatching(A, B, { seed: ${WM_SEED} })\` (${groups} groups of 512 units, default function check on 64 random inputs), ${REPS} runs after a warm-up, median wall time; the split is the median of each phase from the \`timings\` option. ` +
      `Planted: B = π(A) with \`randomPermutations(spec, 7)\`. Single thread. 1-minute load average ${load.map((l) => fmt(l, 2)).join(' → ')} (2 shared cores: above 2 means other jobs took some).`,
    '',
    table(['pair', 'wall (s)', 'range (s)', 'passes', 'solves', ...PHASES.map((p) => `${p} ms`), 'ms per solve'], [
      wmRow('trained A, B', wm),
      wmRow('planted B = π(A)', wmPlanted),
    ]),
    '',
    `- Trained pair: objective ⟨θ_A, π(θ_B)⟩ ${fmt(objective[0], 5)} → ${fmt(objective[objective.length - 1], 5)} over ${objective.length} passes. Planted: π⁻¹ recovered exactly: **${recovered ? 'yes' : 'no'}**.`,
    '- Phases: cost = the groups\' cost matrices (terms kept in WASM memory: `wmatch_term_update` makes a term or updates it by a low-rank GEMM, `wmatch_sum` adds a group\'s terms; constant terms by one GEMM at the start); solve = `solveAssignment` (the `lsa_solve` call with its wrapper\'s checks and copies); objective = ⟨θ_A, π(θ_B)⟩ after each pass (`wmatch_dot`); permute = the aligned θ; check = the logits check. Solves whose cost matrix did not change since the group\'s last solve are skipped (they cannot improve), so solves ≤ passes × groups.',
    '',
    'Activation matching of the same pair (reference), on the first samples of the Fashion-MNIST test split (batches of 250), median of 2 runs after a warm-up:',
    '',
    table(['samples', 'wall (s)', 'mean correlation per group'], am.map((r) => [r.samples.toLocaleString('en'), fmt(r.s), r.corr.map((c) => fmt(c)).join(', ')])),
  ];
  return { title: 'Alignment: weight matching and activation matching, MLP 784-512-512-10', markdown: text.join('\n') };
}
