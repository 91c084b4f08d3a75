/**
 * Scale symmetries of ReLU networks. Every permutation group (a set of hidden units, see spec.ts)
 * has *producers* (the dense/conv tensors whose output rows are the units, axis 0) and *consumers*
 * (the next layers' input axis). Between them only positively homogeneous ops occur (ReLU, pooling,
 * flatten, dropout, residual sums), so:
 * - ReLU positive homogeneity: multiplying a unit's value by c > 0 (its producer rows and bias, or,
 *   when a BatchNorm follows the producer, that BatchNorm's γ and β) and dividing its consumer
 *   columns by c leaves the function unchanged;
 * - BatchNorm scale invariance: multiplying a producer's rows and bias by c together with the
 *   following BatchNorm's running mean (× c) and running variance (× c²) leaves the function
 *   unchanged (exactly up to BatchNorm's ε).
 * `normalizeScale` uses both to bring a network to a canonical scale (seed 000's proposal: scale
 * away what BatchNorm and ReLU cannot see before interpolating two networks).
 */
import { ModeconnError } from '../errors.js';
import type { Arch } from '../model/arch.js';
import type { CompiledArch, LayoutEntry } from '../model/compile.js';
import { compiledOf } from '../model/model.js';
import { type PermAxis, type PermGroup, specOf, validateSpec } from './spec.js';

/** How a group's units are produced and consumed. */
export interface UnitRoles {
  group: PermGroup;
  /** Producers: a dense/conv weight (axis 0), its bias, and the BatchNorm right after it (if any). */
  producers: Array<{
    weight: LayoutEntry;
    bias?: LayoutEntry;
    bn?: { weight?: LayoutEntry; bias?: LayoutEntry; mean: LayoutEntry; variance: LayoutEntry };
  }>;
  /** Consumers: input axes of later layers (unit i occupies [i·block, (i+1)·block)). */
  consumers: Array<{ entry: LayoutEntry; axis: number; block: number }>;
  /** A BatchNorm on these units that follows no producer directly (e.g. after a residual sum):
   * ReLU homogeneity does not hold for such a group. */
  detachedBatchNorm: boolean;
}

/** The name of the layer after `name`'s layer in the same list: `a.b.3.weight` → `a.b.4`. */
function nextLayerPath(entryName: string): string | undefined {
  const parts = entryName.split('.');
  parts.pop();
  const last = Number(parts[parts.length - 1]);
  if (!Number.isInteger(last)) return undefined;
  parts[parts.length - 1] = String(last + 1);
  return parts.join('.');
}

/** Producers and consumers of every permutation group of `arch`. */
export function unitRoles(arch: Arch, compiled: CompiledArch = compiledOf(arch)): UnitRoles[] {
  const spec = specOf(arch);
  validateSpec(spec, compiled);
  const byName = new Map(compiled.layout.map((e) => [e.name, e]));
  return spec.groups.map((group) => {
    const roles: UnitRoles = { group, producers: [], consumers: [], detachedBatchNorm: false };
    for (const a of group.axes) {
      const e = byName.get(a.entry)!;
      if (e.kind === 'weight' && a.axis === 0) {
        const base = a.entry.slice(0, -'.weight'.length);
        const next = nextLayerPath(a.entry);
        const mean = next !== undefined ? byName.get(`${next}.running_mean`) : undefined;
        roles.producers.push({
          weight: e,
          bias: byName.get(`${base}.bias`),
          bn: mean && next !== undefined
            ? { weight: byName.get(`${next}.weight`), bias: byName.get(`${next}.bias`), mean, variance: byName.get(`${next}.running_var`)! }
            : undefined,
        });
      } else if (e.kind === 'weight' && a.axis === 1) {
        roles.consumers.push({ entry: e, axis: 1, block: a.block });
      }
    }
    const attached = new Set(roles.producers.flatMap((p) => (p.bn ? [p.bn.mean.name] : [])));
    roles.detachedBatchNorm = group.axes.some((a) => byName.get(a.entry)!.kind === 'running_mean' && !attached.has(a.entry));
    return roles;
  });
}

/** Multiplies unit i's slice of `entry` along `axis` (blocks of `block`) by f[i], in place. */
export function scaleAxis(params: Float32Array, e: LayoutEntry, axis: number, block: number, f: ArrayLike<number>): void {
  const n = f.length;
  const pre = e.shape.slice(0, axis).reduce((a, b) => a * b, 1);
  const inner = e.shape.slice(axis + 1).reduce((a, b) => a * b, 1);
  if (e.shape[axis] !== n * block) throw new ModeconnError('BAD_SHAPE', `${e.name} axis ${axis} has ${e.shape[axis]} entries, expected ${n}·${block}`);
  for (let p = 0; p < pre; p++) {
    for (let i = 0; i < n; i++) {
      const c = f[i];
      if (c === 1) continue;
      const from = e.offset + (p * n * block + i * block) * inner;
      for (let r = 0; r < block * inner; r++) params[from + r] *= c;
    }
  }
}

/** Σ over unit i's slice of `entry` (axis 0) of v², added to acc[i]. */
function addRowSquares(params: Float32Array, e: LayoutEntry, acc: Float64Array): void {
  const n = acc.length;
  const inner = e.length / n;
  for (let i = 0; i < n; i++) {
    let s = 0;
    for (let r = 0; r < inner; r++) {
      const v = params[e.offset + i * inner + r];
      s += v * v;
    }
    acc[i] += s;
  }
}

function checkFactors(c: ArrayLike<number>, size: number, what: string): void {
  if (c.length !== size) throw new ModeconnError('BAD_SHAPE', `${what}: ${c.length} factors for ${size} units`);
  for (let i = 0; i < c.length; i++) {
    if (!(c[i] > 0 && Number.isFinite(c[i]))) throw new ModeconnError('BAD_ARGUMENT', `${what}: factor ${i} must be finite and > 0, got ${c[i]}`);
  }
}

/**
 * ReLU positive homogeneity, in place: unit i's value × c[i] (producer rows and bias, or the
 * following BatchNorm's γ, β) and its consumer columns ÷ c[i]. Needs affine BatchNorms.
 */
export function scaleUnitsRelu(params: Float32Array, roles: UnitRoles, c: ArrayLike<number>): void {
  checkFactors(c, roles.group.size, `scaleUnitsRelu(${roles.group.name})`);
  if (roles.detachedBatchNorm) throw new ModeconnError('BAD_ARGUMENT', `${roles.group.name}: a BatchNorm on these units follows no single layer; ReLU rescaling would change the function`);
  for (const p of roles.producers) {
    if (p.bn) {
      if (!p.bn.weight || !p.bn.bias) throw new ModeconnError('BAD_ARGUMENT', `${roles.group.name}: the BatchNorm after ${p.weight.name} has no affine parameters to scale`);
      scaleAxis(params, p.bn.weight, 0, 1, c);
      scaleAxis(params, p.bn.bias, 0, 1, c);
    } else {
      scaleAxis(params, p.weight, 0, 1, c);
      if (p.bias) scaleAxis(params, p.bias, 0, 1, c);
    }
  }
  const inv = Float64Array.from(c, (v) => 1 / v);
  for (const q of roles.consumers) scaleAxis(params, q.entry, q.axis, q.block, inv);
}

/**
 * BatchNorm scale invariance, in place: the rows and bias of producer `producer` (which a
 * BatchNorm follows) × c[i], that BatchNorm's running mean × c[i] and running variance × c[i]².
 */
export function scaleUnitsBatchNorm(params: Float32Array, roles: UnitRoles, producer: number, c: ArrayLike<number>): void {
  checkFactors(c, roles.group.size, `scaleUnitsBatchNorm(${roles.group.name})`);
  const p = roles.producers[producer];
  if (!p?.bn) throw new ModeconnError('BAD_ARGUMENT', `${roles.group.name}: producer ${producer} is not followed by a BatchNorm`);
  scaleAxis(params, p.weight, 0, 1, c);
  if (p.bias) scaleAxis(params, p.bias, 0, 1, c);
  scaleAxis(params, p.bn.mean, 0, 1, c);
  scaleAxis(params, p.bn.variance, 0, 1, Float64Array.from(c, (v) => v * v));
}

export interface NormalizeScaleOptions {
  /** Use BatchNorm scale invariance: each BatchNorm'd producer's unit rows get norm 1 (default true). */
  batchNorm?: boolean;
  /** Use ReLU homogeneity: each unit's incoming norm (rows + bias, or BatchNorm γ, β) becomes 1,
   * the factor pushed into the consumers (default true). */
  relu?: boolean;
  /** Passes over the groups at most (more than one only matters for residual nets; default 5). */
  maxPasses?: number;
}

/** The result of `normalizeScale`: the canonical θ and the factor applied to each unit. */
export interface NormalizedScale {
  params: Float32Array;
  /** Total ReLU-homogeneity factor per group (unit value multiplied by it). */
  relu: Record<string, Float64Array>;
  passes: number;
}

/**
 * A canonical scale for `params` (same function): groups in forward order; BatchNorm'd producers'
 * unit rows normalised to norm 1 (BatchNorm invariance), then every unit's incoming norm set to 1 by
 * ReLU homogeneity, the inverse factor pushed into the next layer (the logits layer absorbs the
 * rest). Dead units (norm 0) are left alone. Idempotent.
 */
export function normalizeScale(arch: Arch, params: Float32Array, options: NormalizeScaleOptions = {}): NormalizedScale {
  const { batchNorm = true, relu = true, maxPasses = 5 } = options;
  const compiled = compiledOf(arch);
  if (params.length !== compiled.totalLength) {
    throw new ModeconnError('BAD_SHAPE', `parameters have ${params.length} values; the architecture needs ${compiled.totalLength}`);
  }
  const roles = unitRoles(arch, compiled);
  const out = params.slice();
  const total: Record<string, Float64Array> = Object.fromEntries(roles.map((r) => [r.group.name, new Float64Array(r.group.size).fill(1)]));
  let passes = 0;
  for (; passes < maxPasses; passes++) {
    let change = 0;
    for (const r of roles) {
      const n = r.group.size;
      if (batchNorm) {
        r.producers.forEach((p, k) => {
          if (!p.bn) return;
          const sq = new Float64Array(n);
          addRowSquares(out, p.weight, sq);
          if (p.bias) addRowSquares(out, p.bias, sq);
          const c = Float64Array.from(sq, (s) => (s > 0 ? 1 / Math.sqrt(s) : 1));
          for (const v of c) change = Math.max(change, Math.abs(v - 1));
          scaleUnitsBatchNorm(out, r, k, c);
        });
      }
      if (relu && !r.detachedBatchNorm && r.producers.every((p) => !p.bn || (p.bn.weight && p.bn.bias))) {
        const sq = new Float64Array(n);
        for (const p of r.producers) {
          if (p.bn) {
            addRowSquares(out, p.bn.weight!, sq);
            addRowSquares(out, p.bn.bias!, sq);
          } else {
            addRowSquares(out, p.weight, sq);
            if (p.bias) addRowSquares(out, p.bias, sq);
          }
        }
        const c = Float64Array.from(sq, (s) => (s > 0 ? 1 / Math.sqrt(s) : 1));
        for (const v of c) change = Math.max(change, Math.abs(v - 1));
        scaleUnitsRelu(out, r, c);
        const t = total[r.group.name];
        for (let i = 0; i < n; i++) t[i] *= c[i];
      }
    }
    if (change < 1e-6) break;
  }
  return { params: out, relu: total, passes: passes + 1 };
}

export type { PermAxis };
