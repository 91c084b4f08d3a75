/**
 * AutoNEB (Draxler et al. 2018): a minimum-energy path between two minima by the nudged elastic band,
 * with pivots added where the path is worst. The band is a chain of pivots θ_0 = A, …, θ_m = B
 * (endpoints fixed). Each step moves every interior pivot along
 *   F_i = −(∇L(θ_i) − (∇L(θ_i)·τ_i) τ_i) + k (‖θ_{i+1} − θ_i‖ − ‖θ_i − θ_{i−1}‖) τ_i,
 * τ_i = (θ_{i+1} − θ_{i−1}) / ‖θ_{i+1} − θ_{i−1}‖: the loss gradient without its component along the
 * band (which would slide pivots into the minima) plus a spring along the band that keeps them
 * evenly spaced. ∇L is a minibatch gradient in batch-statistics mode (one WASM call), the force is
 * assembled with vector kernels (neb-force.ts), and the step is SGD with momentum on the pivot's
 * trainable prefix.
 * After each cycle of steps the loss at every segment's midpoint is measured on a fixed sample and
 * new pivots go to the worst segments. The result is a polygonal chain through the pivots, its knots
 * at their cumulative distance.
 */
import { yieldToEventLoop } from '../event-loop.js';
import { ModeconnError } from '../errors.js';
import { subsetDataSet, type DataSet } from '../data/dataset.js';
import type { Arch } from '../model/arch.js';
import { Engine, assertFinite } from '../model/engine.js';
import { resolveRunner } from '../model/inline-runner.js';
import { compiledOf } from '../model/model.js';
import { gradientsAt } from '../model/gradients-at.js';
import { VectorOptimizer } from '../model/optimizer.js';
import { STREAM_DROPOUT } from '../model/training.js';
import type { RunnerOption } from '../model/train.js';
import { permutation, rngState } from '../kernels/xoshiro.js';
import { wasmKernels } from '../wasm/kernels/index.js';
import { hasBatchNorm } from './evaluate.js';
import { createManifest, type RunManifest } from './manifest.js';
import { nudgeGradient } from './neb-force.js';
import { waypointPath, type Path } from './path.js';

export interface AutoNebOptions extends RunnerOption {
  /** u32 seed of the minibatch order. */
  seed: number;
  /** Interior pivots on the line to start with (default 2). */
  pivots?: number;
  /** Cycles of `steps` steps; after each, `insert` pivots are added (default 3). */
  cycles?: number;
  /** Pivots added after each cycle at the segments whose midpoint has the highest loss (default 2). */
  insert?: number;
  /** Steps per cycle (each moves every interior pivot once; default 100). */
  steps?: number;
  batchSize?: number;
  /** Learning rate (default 0.05) and momentum (default 0.9) of the pivots' SGD. */
  lr?: number;
  momentum?: number;
  /** Spring constant k (default 1). */
  spring?: number;
  /** Samples (the first of `data`) on which segment midpoints are scored (default 1000). */
  scoreSamples?: number;
  signal?: AbortSignal;
  /** Virtual shards per batch for data-parallel gradients (see TrainingLoopOptions.shards; default 1). */
  shards?: number;
  /** BatchNorm statistics with shards > 1 (see TrainingLoopOptions.bnStatistics). */
  bnStatistics?: 'batch' | 'shard';
  onCycle?: (log: AutoNebCycle) => void;
}

export interface AutoNebCycle {
  cycle: number;
  pivots: number;
  /** Loss at each pivot and each segment midpoint after the cycle, on the score sample. */
  pivotLosses: number[];
  midpointLosses: number[];
  seconds: number;
}

export interface AutoNebResult {
  path: Path;
  log: AutoNebCycle[];
  manifest: RunManifest;
}

/** Runs AutoNEB from A to B on `data`; see the module header. */
export async function autoNeb(arch: Arch, paramsA: Float32Array, paramsB: Float32Array, data: DataSet, options: AutoNebOptions): Promise<AutoNebResult> {
  const { seed, pivots = 2, cycles = 3, insert = 2, steps = 100, batchSize = 128, lr = 0.05, momentum = 0.9, spring = 1, scoreSamples = 1000, signal } = options;
  for (const [name, v, min] of [['pivots', pivots, 0], ['cycles', cycles, 1], ['insert', insert, 0], ['steps', steps, 1], ['batchSize', batchSize, 1], ['scoreSamples', scoreSamples, 1]] as const) {
    if (!Number.isInteger(v) || v < min) throw new ModeconnError('BAD_ARGUMENT', `${name} must be an integer ≥ ${min}, got ${v}`);
  }
  if (!(lr > 0) || !(momentum >= 0 && momentum < 1) || !(spring >= 0)) throw new ModeconnError('BAD_ARGUMENT', 'lr must be > 0, momentum in [0, 1), spring ≥ 0');
  if (data.n === 0) throw new ModeconnError('EMPTY_DATA', `data set ${data.name} has no samples`);
  const compiled = compiledOf(arch);
  for (const [label, p] of [['A', paramsA], ['B', paramsB]] as const) {
    if (p.length !== compiled.totalLength) throw new ModeconnError('BAD_SHAPE', `model ${label} has ${p.length} values; the architecture needs ${compiled.totalLength}`);
    assertFinite(p, `model ${label}`);
  }
  const runner = await resolveRunner(options.runner);
  const engine = await Engine.local();
  const { core, ops } = engine;
  const kernels = wasmKernels(core);
  const P = compiled.paramCount;
  const score = data.n > scoreSamples ? subsetDataSet(data, Uint32Array.from({ length: scoreSamples }, (_, i) => i), `${data.name}[:${scoreSamples}]`) : data;
  const lossesAt = async (thetas: Float32Array[]) => {
    const [results] = await runner.evaluate(arch, thetas, [score], { bnData: hasBatchNorm(compiled) ? score : undefined });
    return results.map((r) => r.loss);
  };
  const mid = (a: Float32Array, b: Float32Array) => {
    const out = new Float32Array(a.length);
    kernels.vecBlend(Float32Array.of(0.5, 0.5), [a, b], out);
    return out;
  };
  // The band: the endpoints and evenly spaced pivots on the line.
  let band: Float32Array[] = Array.from({ length: pivots + 2 }, (_, j) => {
    const t = j / (pivots + 1);
    if (j === 0) return paramsA.slice();
    if (j === pivots + 1) return paramsB.slice();
    const out = new Float32Array(paramsA.length);
    kernels.vecBlend(Float32Array.of(1 - t, t), [paramsA, paramsB], out);
    return out;
  });
  const log: AutoNebCycle[] = [];
  const order = new Uint32Array(data.n);
  let cursor = data.n; // past the end: the first step shuffles
  let pass = 0;
  let lastYield = performance.now();
  for (let cycle = 1; cycle <= cycles; cycle++) {
    const started = performance.now();
    const capacity = Math.min(batchSize, data.n);
    // The pivots' gradients of a step at once (a pool spreads them over its workers), then the forces in turn.
    const session = await runner.openGradients(arch, data, {
      capacity, seed, stream: STREAM_DROPOUT, mode: 'batch-stats', shards: options.shards, bnStatistics: options.bnStatistics, thetas: band.length - 2,
    });
    const points = band.map((p) => {
      const buf = core.allocF32(p.length);
      core.f32(buf).set(p);
      return buf;
    });
    const grads = band.slice(2).map(() => core.allocF32(compiled.totalLength));
    const optimizers = band.map(() => new VectorOptimizer(ops, { type: 'sgd', lr, momentum }, P, 0));
    const tangent = core.allocF32(P);
    try {
      await session.setOrder(order); // this cycle's session starts from the pass in progress
      for (let step = 1; step <= steps; step++) {
        if (signal?.aborted) throw new ModeconnError('CANCELLED', `AutoNEB cancelled in cycle ${cycle}`, { cause: signal.reason });
        // Minibatches walk a seeded permutation of the data, reshuffled at each pass.
        if (cursor + capacity > data.n) {
          for (let i = 0; i < data.n; i++) order[i] = i;
          permutation(rngState(seed, 0x70000 + pass), order);
          pass += 1;
          cursor = 0;
          await session.setOrder(order);
        }
        const from = cursor;
        cursor += capacity;
        const outcomes = await gradientsAt(session, points.slice(1, -1), grads, from, capacity);
        for (let i = 1; i < band.length - 1; i++) {
          const { loss } = outcomes[i - 1];
          if (!Number.isFinite(loss)) throw new ModeconnError('DIVERGED', `AutoNEB diverged: loss ${loss} at pivot ${i}, cycle ${cycle}, step ${step}`, { advice: 'lower lr' });
          // grad ← −F, the NEB force over the trainable prefix; SGD descends it. Pivot i's force sees pivot i − 1 already moved.
          const grad = grads[i - 1];
          if (!nudgeGradient(ops, [points[i - 1], points[i], points[i + 1]], grad, tangent, spring, P)) continue;
          optimizers[i].step(points[i], grad, lr, step);
        }
        if (performance.now() - lastYield > 50) {
          await yieldToEventLoop();
          lastYield = performance.now();
        }
      }
      band = points.map((b) => core.f32(b).slice());
    } finally {
      for (const o of optimizers) o.free();
      for (const b of [...points, ...grads, tangent]) core.free(b);
      await session.close();
    }
    const pivotLosses = await lossesAt(band);
    const midpointLosses = await lossesAt(band.slice(1).map((b, j) => mid(band[j], b)));
    const entry: AutoNebCycle = { cycle, pivots: band.length - 2, pivotLosses, midpointLosses, seconds: (performance.now() - started) / 1000 };
    log.push(entry);
    options.onCycle?.(entry);
    if (cycle < cycles && insert > 0) {
      const worst = midpointLosses.map((l, j) => [l, j]).sort((x, y) => y[0] - x[0] || x[1] - y[1]).slice(0, insert).map(([, j]) => j);
      const next: Float32Array[] = [];
      band.forEach((p, j) => {
        next.push(p);
        if (worst.includes(j)) next.push(mid(p, band[j + 1]));
      });
      band = next;
    }
    await yieldToEventLoop();
  }
  // Knots at the pivots' cumulative distance (trainable parameters).
  const cumulative = [0];
  for (let j = 1; j < band.length; j++) {
    let s = 0;
    for (let i = 0; i < P; i++) s += (band[j][i] - band[j - 1][i]) ** 2;
    cumulative.push(cumulative[j - 1] + Math.sqrt(s));
  }
  const total = cumulative[cumulative.length - 1];
  const knots = cumulative.map((c, j) => (j === band.length - 1 ? 1 : c / total));
  return {
    path: waypointPath(band, knots),
    log,
    manifest: createManifest({
      operation: 'autoNeb', arch, points: band, data: { train: data }, seeds: { neb: seed },
      sampleOrder: 'minibatches of a xoshiro128** permutation (seed, stream 0x70000 + pass) per pass over the data; midpoints scored on the first scoreSamples samples',
      options: { pivots, cycles, insert, steps, batchSize, lr, momentum, spring, scoreSamples },
    }),
  };
}
