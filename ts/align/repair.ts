/**
 * REPAIR (Jordan et al. 2022): an interpolated network's hidden units lose variance ("variance
 * collapse"). For θ(t) between endpoints A and B, each hidden unit's pre-activation mean and
 * standard deviation over a data sample are reset to the interpolation of the endpoints':
 * μ* = (1−t)μ_A + tμ_B, σ* = (1−t)σ_A + tσ_B. Layers are repaired in forward order (each after the
 * earlier ones are fixed). With a BatchNorm after the unit's layer, its running statistics become
 * the statistics of its input and γ, β are set so its output has (μ*, σ*); without BatchNorm the
 * dense layer's rows and bias are rescaled and shifted (z' = a(z − μ_t) + μ*, a = σ* ÷ σ_t).
 * The simpler "reset BatchNorm" variant recomputes the running statistics only.
 *
 * Supported: sequential networks (no residual blocks) whose hidden dense/conv layers are either
 * followed by a BatchNorm, or are dense (conv layers without BatchNorm are NOT_SUPPORTED).
 */
import { ModeconnError } from '../errors.js';
import type { DataSet } from '../data/dataset.js';
import type { Arch, Layer } from '../model/arch.js';
import type { CompiledArch, LayoutEntry } from '../model/compile.js';
import { Engine } from '../model/engine.js';
import { compiledOf } from '../model/train.js';
import { wasmKernels } from '../wasm/kernels/index.js';
import { readActivations } from './activations.js';

/** One repaired layer: a hidden dense/conv layer (and the BatchNorm after it, if any). */
interface Site {
  path: string;
  units: number;
  /** Plan buffer of the layer's output (pre-BatchNorm; post-ReLU when a ReLU is folded in and there is no BN). */
  out: number;
  /** Plan buffer of its input (0 = the network input). */
  input: number;
  inSize: number;
  weight: LayoutEntry;
  bias?: LayoutEntry;
  bn?: { weight: LayoutEntry; bias: LayoutEntry; mean: LayoutEntry; variance: LayoutEntry; eps: number };
}

/** Per-unit mean and standard deviation. */
export interface UnitStats { mean: Float64Array; std: Float64Array }

/** The repaired sites of a sequential arch (mirrors the plan's buffer numbering, see spec.ts). */
function sitesOf(arch: Arch, compiled: CompiledArch): Site[] {
  const byName = new Map(compiled.layout.map((e) => [e.name, e]));
  const layers: Layer[] = arch.layers;
  const sites: Site[] = [];
  let buffers = 1;
  let cur = 0;
  let lastProducer = -1;
  layers.forEach((layer, j) => {
    if (layer.type === 'dense' || layer.type === 'conv2d') lastProducer = j;
  });
  layers.forEach((layer, j) => {
    switch (layer.type) {
      case 'dense':
      case 'conv2d': {
        const out = buffers++;
        if (j !== lastProducer) {
          const next = layers[j + 1];
          const site: Site = {
            path: String(j), units: layer.out, out, input: cur, inSize: compiled.bufferSizes[cur] ?? compiled.inputSize,
            weight: byName.get(`${j}.weight`)!, bias: byName.get(`${j}.bias`),
          };
          if (next?.type === 'batchnorm') {
            if (next.affine === false) throw new ModeconnError('NOT_SUPPORTED', `REPAIR: the BatchNorm at layer ${j + 1} has no affine parameters`);
            site.bn = {
              weight: byName.get(`${j + 1}.weight`)!, bias: byName.get(`${j + 1}.bias`)!,
              mean: byName.get(`${j + 1}.running_mean`)!, variance: byName.get(`${j + 1}.running_var`)!, eps: next.eps ?? 1e-5,
            };
          } else if (layer.type === 'conv2d') {
            throw new ModeconnError('NOT_SUPPORTED', `REPAIR: conv layer ${j} has no BatchNorm after it; REPAIR without BatchNorm supports dense layers only`);
          }
          sites.push(site);
        }
        cur = out;
        break;
      }
      case 'relu': {
        const prev = j > 0 ? layers[j - 1].type : null;
        if (!(prev === 'dense' || prev === 'conv2d' || prev === 'batchnorm')) cur = buffers++;
        break;
      }
      case 'batchnorm':
      case 'maxpool':
      case 'avgpool':
      case 'dropout':
        cur = buffers++;
        break;
      case 'flatten':
        break;
      case 'residual':
        throw new ModeconnError('NOT_SUPPORTED', 'REPAIR supports sequential networks only (no residual blocks)');
    }
  });
  return sites;
}

/** Mean and std per unit of `[n, units·positions]` values. */
function statsOf(values: Float32Array, n: number, units: number): UnitStats {
  const positions = values.length / (n * units);
  const mean = new Float64Array(units);
  const sq = new Float64Array(units);
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
      mean[i] += s;
      sq[i] += s2;
    }
  }
  const count = n * positions;
  const std = new Float64Array(units);
  for (let i = 0; i < units; i++) {
    mean[i] /= count;
    std[i] = Math.sqrt(Math.max(sq[i] / count - mean[i] * mean[i], 0));
  }
  return { mean, std };
}

export interface RepairOptions {
  /** Samples of the data set used for statistics (the first ones; default 1000). */
  samples?: number;
  engine?: Engine;
}

/** REPAIR for the pair (A, B): endpoint statistics computed once, then `repair(θ, t)` at any t. */
export class Repair {
  private constructor(
    readonly arch: Arch,
    private readonly compiled: CompiledArch,
    private readonly engine: Engine,
    private readonly sites: Site[],
    private readonly data: DataSet,
    private readonly indices: Uint32Array,
    /** Target statistics (BN output, or dense pre-activation) of A and B per site. */
    readonly endpoints: [UnitStats[], UnitStats[]],
  ) {}

  /** Prepares REPAIR between `paramsA` and `paramsB` (B aligned to A) using samples of `data`. */
  static async create(arch: Arch, paramsA: Float32Array, paramsB: Float32Array, data: DataSet, options: RepairOptions = {}): Promise<Repair> {
    const compiled = compiledOf(arch);
    const engine = options.engine ?? (await Engine.create());
    const sites = sitesOf(arch, compiled);
    const n = Math.min(options.samples ?? 1000, data.n);
    if (n === 0) throw new ModeconnError('EMPTY_DATA', `REPAIR needs samples; data set ${data.name} has none`);
    const indices = Uint32Array.from({ length: n }, (_, i) => i);
    const r = new Repair(arch, compiled, engine, sites, data, indices, [[], []]);
    [paramsA, paramsB].forEach((params, k) => {
      for (const site of sites) r.endpoints[k].push(r.targetStats(params, site, r.siteStats(params, site)));
    });
    return r;
  }

  /** Statistics of a site's layer output (pre-BatchNorm, pre-ReLU) under `params`. */
  private siteStats(params: Float32Array, site: Site): UnitStats {
    const n = this.indices.length;
    if (site.bn) {
      const [out] = readActivations(this.engine, this.compiled, params, this.data, this.indices, [site.out]);
      return statsOf(out, n, site.units);
    }
    // Dense without BatchNorm: the output buffer may hold post-ReLU values; recompute z = x·Wᵀ + b.
    let x: Float32Array;
    if (site.input === 0) {
      x = this.data.x.subarray(0, n * this.compiled.inputSize);
    } else {
      [x] = readActivations(this.engine, this.compiled, params, this.data, this.indices, [site.input]);
    }
    const k = x.length / n;
    const w = params.subarray(site.weight.offset, site.weight.offset + site.weight.length);
    if (w.length !== k * site.units) throw new ModeconnError('BAD_SHAPE', `REPAIR: layer ${site.path} takes ${w.length / site.units} inputs, its input buffer has ${k}`);
    const z = new Float32Array(n * site.units);
    const b = site.bias ? params.subarray(site.bias.offset, site.bias.offset + site.bias.length) : null;
    wasmKernels(this.engine.core).gemm({ m: n, n: site.units, k, transB: true, ...(b ? { biasAxis: 'col' as const } : {}) }, x, w, b ? b.slice() : null, z);
    return statsOf(z, n, site.units);
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
    this.sites.forEach((site, s) => {
      const a = this.endpoints[0][s];
      const b = this.endpoints[1][s];
      const cur = this.siteStats(out, site);
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
          const w = site.weight;
          const inner = w.length / site.units;
          for (let r = 0; r < inner; r++) out[w.offset + i * inner + r] *= scale;
          if (site.bias) out[site.bias.offset + i] = scale * (out[site.bias.offset + i] - cur.mean[i]) + mu;
        }
      }
    });
    return out;
  }

  /** Per-unit statistics REPAIR targets for θ (BN output, or dense pre-activation), per site. */
  statistics(theta: Float32Array): UnitStats[] {
    return this.sites.map((site) => this.targetStats(theta, site, this.siteStats(theta, site)));
  }

  /** A transform for evaluatePath's `transform` option. */
  get transform(): (theta: Float32Array, t: number) => Float32Array {
    return (theta, t) => this.repair(theta, t);
  }
}

/** "Reset BatchNorm": θ with BatchNorm running statistics recomputed over `data` (Garipov's update_bn). */
export async function resetBatchNorm(arch: Arch, theta: Float32Array, data: DataSet, options: { batchSize?: number; engine?: Engine } = {}): Promise<Float32Array> {
  const engine = options.engine ?? (await Engine.create());
  return engine.recomputeBatchNorm(compiledOf(arch), theta, data, { batchSize: options.batchSize ?? 1000 });
}
