/**
 * weightMatching's caches (terms kept in WASM memory until a perm on another axis changes, low-rank
 * GEMM updates, solves skipped when a group's cost matrix is unchanged, the objective read through
 * index maps; its WASM buffers freed at the end)
 * against a naive Algorithm 1 written here: every step permutes θ_B by the other groups' perms,
 * builds the group's cost matrix from scratch in f64, solves it with the TS twin, and the objective
 * is ⟨θ_A, π(θ_B)⟩ over the permuted copy. Same seeds → the same perms and the same number of
 * passes; objectives to 1e-9 relative. A and B are independent inits, so the runs take several
 * passes, the later ones changing a few units each (the low-rank path).
 */
import { beforeAll, describe, expect, it } from 'vitest';
import type { Arch } from '../../ts/model/arch.js';
import { mlp, resnet, vgg } from '../../ts/model/builders.js';
import { compileArch } from '../../ts/model/compile.js';
import { Engine } from '../../ts/model/engine.js';
import { initParams } from '../../ts/model/init.js';
import { lsaSolve } from '../../ts/reference/lsa.js';
import { permutation, seedState, uniform } from '../../ts/reference/rng.js';
import {
  type Permutations, identityPermutations, permutationSpec, permuteParams,
} from '../../ts/align/spec.js';
import { unitRows, weightMatching } from '../../ts/align/weight-matching.js';

let engine: Engine;
beforeAll(async () => {
  engine = await Engine.create();
});

/** Algorithm 1, straight from the definition (f64 costs, no caching). */
function naiveWeightMatching(arch: Arch, pa: Float32Array, pb: Float32Array, seed: number, includeBuffers: boolean) {
  const compiled = compileArch(arch);
  const spec = permutationSpec(arch);
  const entry = (name: string) => compiled.layout.find((e) => e.name === name)!;
  const matched = (name: string) => includeBuffers || !entry(name).kind.startsWith('running_');
  const perms: Permutations = identityPermutations(spec);
  const objective: number[] = [];
  const state = new Uint32Array(4);
  const order = new Uint32Array(spec.groups.length);
  for (let iter = 0; iter < 100; iter++) {
    seedState(seed, iter, state);
    permutation(state, order);
    let progress = false;
    for (const k of order) {
      const g = spec.groups[k];
      const n = g.size;
      const others = { ...perms, [g.name]: Uint32Array.from({ length: n }, (_, i) => i) };
      const bp = permuteParams(spec, compiled.layout, pb, others);
      const cost = new Float64Array(n * n);
      for (const axis of g.axes) {
        if (!matched(axis.entry)) continue;
        const e = entry(axis.entry);
        const ra = unitRows(pa, e, axis, n);
        const rb = unitRows(bp, e, axis, n);
        const w = e.length / n;
        for (let i = 0; i < n; i++) {
          for (let j = 0; j < n; j++) {
            let s = 0;
            for (let q = 0; q < w; q++) s += ra[i * w + q] * rb[j * w + q];
            cost[i * n + j] += s;
          }
        }
      }
      const p = perms[g.name];
      let before = 0;
      for (let i = 0; i < n; i++) before += cost[i * n + p[i]];
      const best = new Uint32Array(n);
      const total = lsaSolve({ rows: n, cols: n, maximize: true }, cost, best);
      if (total > before + 1e-12 * Math.max(1, Math.abs(before))) {
        perms[g.name] = best;
        progress = true;
      }
    }
    const aligned = permuteParams(spec, compiled.layout, pb, perms);
    const names = new Set(spec.groups.flatMap((g) => g.axes.filter((a) => matched(a.entry)).map((a) => a.entry)));
    let sum = 0;
    for (const e of compiled.layout) if (names.has(e.name)) for (let i = e.offset; i < e.offset + e.length; i++) sum += pa[i] * aligned[i];
    objective.push(sum);
    if (!progress) break;
  }
  return { perms, objective };
}

/** θ from the PyTorch init with BatchNorm parameters and statistics made non-trivial. */
function theta(arch: Arch, seed: number): Float32Array {
  const compiled = compileArch(arch);
  const t = initParams(compiled, { seed });
  const s = new Uint32Array(4);
  seedState(seed, 77, s);
  for (const e of compiled.layout) {
    if (e.kind === 'bn_weight' || e.kind === 'running_var') for (let i = 0; i < e.length; i++) t[e.offset + i] = 0.5 + uniform(s);
    if (e.kind === 'bn_bias' || e.kind === 'running_mean') for (let i = 0; i < e.length; i++) t[e.offset + i] = uniform(s) - 0.5;
  }
  return t;
}

const ARCHS: Record<string, Arch> = {
  'mlp 40-64-64-48-10': mlp({ input: 40, hidden: [64, 64, 48], classes: 10 }),
  'mlp + BatchNorm': mlp({ input: 30, hidden: [48, 40], classes: 10, batchNorm: true }),
  'convnet (conv terms, flatten blocks)': vgg({ input: [2, 8, 8], channels: [8, 12, 'M', 16, 'M'], classes: 10, hidden: [24] }),
  resnet: resnet({ input: [2, 8, 8], width: 6, blocks: [1, 1], classes: 10 }),
};

describe('weightMatching equals a naive Algorithm 1', () => {
  for (const [label, arch] of Object.entries(ARCHS)) {
    it(label, async () => {
      const spec = permutationSpec(arch);
      let passes = 0;
      for (const seed of [1, 2, 3]) {
        const a = theta(arch, seed);
        const b = theta(arch, seed + 50);
        for (const includeBuffers of [false, true]) {
          const live = engine.core.liveBytes;
          const fast = await weightMatching({ arch, params: a }, { arch, params: b }, { seed, includeBuffers, check: false });
          expect(engine.core.liveBytes, 'WASM buffers freed').toBe(live);
          const slow = naiveWeightMatching(arch, a, b, seed, includeBuffers);
          expect(fast.objective.length, `${label} seed ${seed}`).toBe(slow.objective.length);
          fast.objective.forEach((v, i) => expect(Math.abs(v - slow.objective[i])).toBeLessThanOrEqual(1e-9 * Math.abs(slow.objective[i])));
          for (const g of spec.groups) expect([...fast.permutations[g.name]], `${label} seed ${seed} ${g.name}`).toEqual([...slow.perms[g.name]]);
          passes += fast.objective.length;
        }
      }
      console.log(`weight matching vs naive, ${label}: ${passes} passes compared`);
    });
  }
});
