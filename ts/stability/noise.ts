/**
 * Noise stability (Arora et al. 2018, the property behind Kuditipudi et al.'s Theorem 2), for ReLU
 * MLPs: for each hidden layer i, Gaussian noise η ~ N(0, σ²‖x_i‖²/h_i · I) is added to the layer's
 * output x_i (post-ReLU, h_i units, so ‖η‖ ≈ σ‖x_i‖) and the rest of the network maps both to logits;
 * the layer's noise sensitivity is ψ_i = E ‖f(x_i + η) − f(x_i)‖² / ‖f(x_i)‖² over samples and draws.
 * Trained nets reject injected noise: ψ_i ≪ σ² is the stability the theory asks for. The rest of the
 * network runs on the WASM core as its own plan, its input the (noisy) activations read from the
 * full plan.
 */
import { createDataSet, type DataSet } from '../data/dataset.js';
import type { Arch } from '../model/arch.js';
import { resolveRunner } from '../model/inline-runner.js';
import type { RunnerOption } from '../model/train.js';
import { compiledOf } from '../model/model.js';
import { xoshiroKernels, seedState } from '../kernels/xoshiro.js';
import { specOf } from '../align/spec.js';
import { denseStack } from './dropout.js';

export interface NoiseOptions extends RunnerOption {
  /** Relative noise level σ (default 1: ‖η‖ ≈ ‖x_i‖). */
  scale?: number;
  /** Noise draws per sample (default 4). */
  draws?: number;
  /** Samples used (the first of `data`; default 1000). */
  samples?: number;
  seed?: number;
}

export interface NoiseLayer {
  /** 1-based hidden layer. */
  layer: number;
  units: number;
  /** ψ_i: mean relative squared change of the logits. */
  sensitivity: number;
}

export interface NoiseResult {
  scale: number;
  layers: NoiseLayer[];
}

/** ψ of every hidden layer of a ReLU MLP (NOT_SUPPORTED otherwise); see the module header. */
export async function noiseStability(arch: Arch, theta: Float32Array, data: DataSet, options: NoiseOptions = {}): Promise<NoiseResult> {
  const { scale = 1, draws = 4, samples = 1000, seed = 0 } = options;
  const stack = denseStack(arch);
  const compiled = compiledOf(arch);
  const runner = await resolveRunner(options.runner);
  const n = Math.min(samples, data.n);
  const indices = Uint32Array.from({ length: n }, (_, i) => i);
  const spec = specOf(arch);
  const buffers = spec.groups.map((g) => g.activations[0]);
  const acts = await runner.activations(arch, theta, data, indices, buffers);
  const denseAt = arch.layers.flatMap((l, j) => (l.type === 'dense' ? [j] : []));
  const byName = new Map(compiled.layout.map((e) => [e.name, e]));
  const layers: NoiseLayer[] = [];
  const state = new Uint32Array(4);
  for (let m = 1; m <= stack.widths.length; m++) {
    const h = stack.widths[m - 1];
    // The rest of the net: from the next dense layer on, as an arch of its own with θ's tensors.
    const start = denseAt[m];
    const rest: Arch = { input: [h], classes: arch.classes, layers: arch.layers.slice(start) };
    const restCompiled = compiledOf(rest);
    const restTheta = new Float32Array(restCompiled.totalLength);
    for (const e of restCompiled.layout) {
      const [k, ...tail] = e.name.split('.');
      const from = byName.get([Number(k) + start, ...tail].join('.'))!;
      restTheta.set(theta.subarray(from.offset, from.offset + from.length), e.offset);
    }
    const clean = acts[m - 1];
    const y = Uint32Array.from(indices, (i) => data.y[i]);
    const logitsOf = async (x: Float32Array) => {
      const [[r]] = await runner.evaluate(rest, [restTheta], [createDataSet({ name: `layer ${m}`, shape: [h], classes: arch.classes, x, y })], { logits: true });
      return r.logits!;
    };
    const base = await logitsOf(clean);
    let sum = 0;
    seedState(seed, m, state);
    const noise = new Float32Array(h);
    for (let d = 0; d < draws; d++) {
      const noisy = new Float32Array(clean.length);
      for (let s = 0; s < n; s++) {
        const x = clean.subarray(s * h, (s + 1) * h);
        const sd = scale * Math.sqrt(x.reduce((a, v) => a + v * v, 0) / h);
        xoshiroKernels.rngNormal(state, noise);
        for (let u = 0; u < h; u++) noisy[s * h + u] = x[u] + sd * noise[u];
      }
      const out = await logitsOf(noisy);
      const c = arch.classes;
      for (let s = 0; s < n; s++) {
        let num = 0;
        let den = 0;
        for (let k = 0; k < c; k++) {
          const b = base[s * c + k];
          num += (out[s * c + k] - b) ** 2;
          den += b * b;
        }
        sum += den > 0 ? num / den : 0;
      }
    }
    layers.push({ layer: m, units: h, sensitivity: sum / (draws * n) });
  }
  return { scale, layers };
}
