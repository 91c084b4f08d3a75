/**
 * REPAIR (Jordan et al. 2022): an interpolated network's hidden units lose variance ("variance
 * collapse"). For θ(t) between endpoints A and B, each site's per-unit mean and std over a data
 * sample are reset, in forward order, to μ* = (1−t)μ_A + tμ_B, σ* = (1−t)σ_A + tσ_B. Sites: every
 * affine BatchNorm (γ, β and running statistics set), and every hidden dense/conv layer not followed
 * by one (its rows/filters and bias rescaled, z' = a(z − μ_t) + μ*, a = σ* ÷ σ_t; conv: statistics
 * over samples × positions), in any layout, residual bodies and shortcuts included. z is read from
 * a copy of the plan whose folded ReLUs are split off (docs/ALIGN.md). Also "reset BatchNorm".
 */
import { ModeconnError } from '../errors.js';
import type { DataSet } from '../data/dataset.js';
import type { Arch, Layer } from '../model/arch.js';
import { type CompiledArch, decodePlan, type LayoutEntry } from '../model/compile.js';
import { Engine } from '../model/engine.js';
import { encodePlan, type PlanOp } from '../model/plan-format.js';
import { compiledOf } from '../model/model.js';
import { resolveRunner } from '../model/inline-runner.js';
import type { RunnerOption } from '../model/train.js';

/** What a site is: a BatchNorm (γ, β, running statistics), or a dense/conv layer (rows and bias). */
export type RepairSiteKind = 'batchnorm' | 'dense' | 'conv2d';

/** One repaired site, as `Repair.sites` lists it. */
export interface RepairSite {
  /** Layer path (`3`, `4.body.1`, `5.shortcut.0`). */
  path: string;
  kind: RepairSiteKind;
  units: number;
  /** Buffer of the repair plan whose values are the site's input (BatchNorm) or pre-activation (dense/conv). */
  buffer: number;
}

interface Site extends RepairSite {
  /** Index of the site's op in the plan (forward order). */
  op: number;
  weight?: LayoutEntry;
  bias?: LayoutEntry;
  bn?: { weight: LayoutEntry; bias: LayoutEntry; mean: LayoutEntry; variance: LayoutEntry; eps: number };
}

/** Per-unit mean and standard deviation. */
export interface UnitStats { mean: Float64Array; std: Float64Array }

/** Every layer of an arch with its path and the layer after it in the same list (compile order). */
function walk(layers: Layer[], prefix: string, out: Array<{ path: string; layer: Layer; next: Layer | undefined }>): void {
  layers.forEach((layer, j) => {
    const path = `${prefix}${j}`;
    out.push({ path, layer, next: layers[j + 1] });
    if (layer.type === 'residual') {
      walk(layer.body, `${path}.body.`, out);
      if (layer.shortcut) walk(layer.shortcut, `${path}.shortcut.`, out);
    }
  });
}

/**
 * The sites of an arch and the repair plan: `compiled` with each repaired dense/conv op's folded
 * ReLU split into a separate RELU op (new buffer appended, later reads renamed), so the op's own
 * buffer holds its pre-activation. Same θ layout, same function.
 */
function sitesOf(arch: Arch, compiled: CompiledArch): { sites: Site[]; plan: CompiledArch } {
  const byName = new Map(compiled.layout.map((e) => [e.name, e]));
  const plan = decodePlan(compiled.words);
  const opAt = new Map<number, number>(); // θ offset of a weight / running mean → op index
  plan.ops.forEach((op, i) => {
    if (op.op === 'dense') opAt.set(op.w, i);
    else if (op.op === 'conv2d') opAt.set(op.wt, i);
    else if (op.op === 'batchnorm') opAt.set(op.mean, i);
  });
  const layers: Array<{ path: string; layer: Layer; next: Layer | undefined }> = [];
  walk(arch.layers, '', layers);
  const sites: Site[] = [];
  for (const { path, layer, next } of layers) {
    const entry = (name: string) => {
      const e = byName.get(`${path}.${name}`);
      if (!e) throw new ModeconnError('BAD_ARGUMENT', `REPAIR: the layout has no ${path}.${name}`);
      return e;
    };
    if (layer.type === 'batchnorm') {
      if (layer.affine === false) continue; // not a site; the layer before it (if any) is repaired instead
      const mean = entry('running_mean');
      const op = opAt.get(mean.offset)!;
      sites.push({
        path, kind: 'batchnorm', units: mean.length, buffer: -1, op,
        bn: { weight: entry('weight'), bias: entry('bias'), mean, variance: entry('running_var'), eps: layer.eps ?? 1e-5 },
      });
    } else if (layer.type === 'dense' || layer.type === 'conv2d') {
      const weight = entry('weight');
      const op = opAt.get(weight.offset)!;
      if (plan.ops[op].dst === plan.outBuf) continue; // the logits
      if (next?.type === 'batchnorm' && next.affine !== false) continue; // repaired through its BatchNorm
      if (layer.bias === false) {
        throw new ModeconnError('NOT_SUPPORTED', `REPAIR: layer ${path} (${layer.type}) has neither a bias nor an affine BatchNorm after it, so its units' means cannot be reset`, {
          advice: 'give the layer a bias (bias: true) or follow it with a BatchNorm',
        });
      }
      sites.push({ path, kind: layer.type, units: layer.out, buffer: -1, op, weight, bias: entry('bias') });
    }
  }
  sites.sort((a, b) => a.op - b.op);

  // The repair plan: split the folded ReLU of every repaired dense/conv op.
  const split = new Set(sites.filter((s) => s.kind !== 'batchnorm').map((s) => s.op));
  const bufferSizes = [...plan.bufferSizes];
  const rename = new Map<number, number>();
  const ops: PlanOp[] = [];
  const newIndex: number[] = [];
  plan.ops.forEach((original, i) => {
    const op = { ...original } as PlanOp & { src2?: number; act?: number };
    op.src = rename.get(op.src) ?? op.src;
    if (op.op === 'add') op.src2 = rename.get(op.src2!) ?? op.src2;
    newIndex.push(ops.length);
    ops.push(op as PlanOp);
    if (split.has(i) && op.act === 1) {
      op.act = 0;
      const relu = bufferSizes.push(bufferSizes[op.dst]) - 1;
      ops.push({ op: 'relu', src: op.dst, dst: relu });
      rename.set(op.dst, relu);
    }
  });
  const words = encodePlan({ ...plan, outBuf: rename.get(plan.outBuf) ?? plan.outBuf, bufferSizes, ops });
  decodePlan(words);
  for (const s of sites) {
    const op = ops[newIndex[s.op]];
    s.buffer = s.kind === 'batchnorm' ? op.src : op.dst;
  }
  return { sites, plan: { ...compiled, words, bufferSizes } };
}

/** Adds `[n, units·positions]` values into per-unit sums of v and v². */
function accumulate(values: Float32Array, n: number, units: number, sum: Float64Array, sq: Float64Array): void {
  const positions = values.length / (n * units);
  for (let q = 0; q < n; q++) {
    for (let i = 0; i < units; i++) {
      const base = (q * units + i) * positions;
      let s = 0;
      let s2 = 0;
      for (let r = 0; r < positions; r++) {
        const v = values[base + r];
        s += v;
        s2 += v * v;
      }
      sum[i] += s;
      sq[i] += s2;
    }
  }
}

function finishStats(sum: Float64Array, sq: Float64Array, count: number): UnitStats {
  const mean = new Float64Array(sum.length);
  const std = new Float64Array(sum.length);
  for (let i = 0; i < sum.length; i++) {
    mean[i] = sum[i] / count;
    std[i] = Math.sqrt(Math.max(sq[i] / count - mean[i] * mean[i], 0));
  }
  return { mean, std };
}

export interface RepairOptions {
  /** Samples of the data set used for statistics (the first ones; default 1000). */
  samples?: number;
  /** Samples per forward pass while measuring (default 500; bounds the memory of the activations). */
  batchSize?: number;
}

/** REPAIR for the pair (A, B): endpoint statistics computed once, then `repair(θ, t)` at any t. */
export class Repair {
  private constructor(
    readonly arch: Arch,
    /** The repair plan (`compiledOf(arch)` with repaired layers' ReLUs split off). */
    private readonly plan: CompiledArch,
    private readonly engine: Engine,
    private readonly siteList: Site[],
    private readonly data: DataSet,
    private readonly indices: Uint32Array,
    private readonly batchSize: number,
    /** Target statistics (BN output, or dense/conv pre-activation) of A and B per site. */
    readonly endpoints: [UnitStats[], UnitStats[]],
  ) {}

  /** Prepares REPAIR between `paramsA` and `paramsB` (B aligned to A) using samples of `data`. */
  static async create(arch: Arch, paramsA: Float32Array, paramsB: Float32Array, data: DataSet, options: RepairOptions = {}): Promise<Repair> {
    const compiled = compiledOf(arch);
    // The repair plan is not an arch a runner can take: statistics are read on this thread.
    const engine = await Engine.local();
    const { sites, plan } = sitesOf(arch, compiled);
    const n = Math.min(options.samples ?? 1000, data.n);
    if (n === 0) throw new ModeconnError('EMPTY_DATA', `REPAIR needs samples; data set ${data.name} has none`);
    const batchSize = options.batchSize ?? 500;
    if (!Number.isInteger(batchSize) || batchSize < 1) throw new ModeconnError('BAD_ARGUMENT', `REPAIR: batchSize must be a positive integer, got ${batchSize}`);
    const indices = Uint32Array.from({ length: n }, (_, i) => i);
    const r = new Repair(arch, plan, engine, sites, data, indices, batchSize, [[], []]);
    r.endpoints[0] = r.statistics(paramsA);
    r.endpoints[1] = r.statistics(paramsB);
    return r;
  }

  /** The repaired sites in forward order (the order of `endpoints` and `statistics`). */
  get sites(): RepairSite[] {
    return this.siteList.map(({ path, kind, units, buffer }) => ({ path, kind, units, buffer }));
  }

  /** Raw per-unit statistics of the sites' buffers (BN input, or pre-activation) under `params`, one forward pass per batch. */
  private measure(params: Float32Array, sites: Site[]): UnitStats[] {
    const n = this.indices.length;
    const buffers = sites.map((s) => s.buffer);
    const sums = sites.map((s) => [new Float64Array(s.units), new Float64Array(s.units)]);
    const chunk = Math.min(this.batchSize, n);
    for (let start = 0; start < n; start += chunk) {
      const idx = this.indices.subarray(start, Math.min(start + chunk, n));
      const parts = this.engine.activations(this.plan, params, this.data, idx, buffers, { capacity: chunk });
      parts.forEach((values, k) => accumulate(values, idx.length, sites[k].units, sums[k][0], sums[k][1]));
    }
    return sites.map((s, k) => finishStats(sums[k][0], sums[k][1], n * (this.plan.bufferSizes[s.buffer] / s.units)));
  }

  /** The statistics REPAIR matches: a BN site's output (from its input's stats and θ's BN), else the raw stats. */
  private targetStats(params: Float32Array, site: Site, s: UnitStats): UnitStats {
    if (!site.bn) return s;
    const { weight, bias, mean, variance, eps } = site.bn;
    const m = new Float64Array(site.units);
    const sd = new Float64Array(site.units);
    for (let i = 0; i < site.units; i++) {
      const g = params[weight.offset + i];
      const den = Math.sqrt(params[variance.offset + i] + eps);
      m[i] = (g * (s.mean[i] - params[mean.offset + i])) / den + params[bias.offset + i];
      sd[i] = (Math.abs(g) * s.std[i]) / den;
    }
    return { mean: m, std: sd };
  }

  /** θ(t) with every site's unit statistics reset to the interpolated endpoint statistics (a copy). */
  repair(theta: Float32Array, t: number): Float32Array {
    if (!(t >= 0 && t <= 1)) throw new ModeconnError('BAD_ARGUMENT', `t must be in [0, 1], got ${t}`);
    const out = theta.slice();
    this.siteList.forEach((site, s) => {
      const a = this.endpoints[0][s];
      const b = this.endpoints[1][s];
      const [cur] = this.measure(out, [site]);
      for (let i = 0; i < site.units; i++) {
        const mu = (1 - t) * a.mean[i] + t * b.mean[i];
        const sigma = (1 - t) * a.std[i] + t * b.std[i];
        if (site.bn) {
          const { weight, bias, mean, variance, eps } = site.bn;
          out[mean.offset + i] = cur.mean[i];
          out[variance.offset + i] = cur.std[i] * cur.std[i];
          const sign = out[weight.offset + i] < 0 ? -1 : 1;
          out[weight.offset + i] = cur.std[i] > 0 ? (sign * sigma * Math.sqrt(cur.std[i] * cur.std[i] + eps)) / cur.std[i] : out[weight.offset + i];
          out[bias.offset + i] = mu;
        } else {
          if (!(cur.std[i] > 1e-12)) continue; // a dead unit stays as it is
          const scale = sigma / cur.std[i];
          const w = site.weight!;
          const inner = w.length / site.units;
          for (let r = 0; r < inner; r++) out[w.offset + i * inner + r] *= scale;
          out[site.bias!.offset + i] = scale * (out[site.bias!.offset + i] - cur.mean[i]) + mu;
        }
      }
    });
    return out;
  }

  /** Per-unit statistics REPAIR targets for θ (BN output, or dense/conv pre-activation), per site. */
  statistics(theta: Float32Array): UnitStats[] {
    const raw = this.measure(theta, this.siteList);
    return this.siteList.map((site, k) => this.targetStats(theta, site, raw[k]));
  }

  /** A transform for evaluatePath's `transform` option. */
  get transform(): (theta: Float32Array, t: number) => Float32Array {
    return (theta, t) => this.repair(theta, t);
  }
}

/** "Reset BatchNorm": θ with BatchNorm running statistics recomputed over `data` (Garipov's update_bn). */
export async function resetBatchNorm(arch: Arch, theta: Float32Array, data: DataSet, options: { batchSize?: number } & RunnerOption = {}): Promise<Float32Array> {
  const [out] = await (await resolveRunner(options.runner)).recomputeBatchNorm(arch, [theta], data, { batchSize: options.batchSize ?? 1000 });
  return out;
}
