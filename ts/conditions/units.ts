/**
 * The hidden layers of a plain network (dense or conv2d → [BatchNorm] → ReLU, with pools, flatten and
 * dropout between; no residual blocks), seen as Nguyen et al. 2021 see them: layer ℓ has h_ℓ units
 * (neurons, or channels of a convolution), its post-ReLU output of shape [h_ℓ] or [h_ℓ, H, W] per
 * sample, and a subset of ⌊f·h_ℓ⌋ kept units. Also builds the probe architecture that reads the kept
 * units of layer ℓ and has ⌊f·h_m⌋ units at every hidden layer m above it.
 */
import { ModeconnError } from '../errors.js';
import type { Arch, Layer } from '../model/arch.js';
import { pair } from '../model/arch.js';
import { windowOut } from '../model/plan-format.js';
import { specOf } from '../align/spec.js';

/** One hidden layer ℓ of a plain network. */
export interface HiddenLayer {
  /** ℓ, 1-based from the input. */
  layer: number;
  kind: 'dense' | 'conv2d';
  /** h_ℓ: neurons, or channels. */
  units: number;
  /** Index in `arch.layers` of the dense/conv layer, and of its ReLU. */
  at: number;
  reluAt: number;
  /** Plan buffer holding the post-ReLU output. */
  buffer: number;
  /** Per-sample shape of that output: [h] or [h, H, W]. */
  shape: number[];
}

const PLAIN = new Set(['dense', 'conv2d', 'batchnorm', 'relu', 'maxpool', 'avgpool', 'flatten', 'dropout']);

function shapeAfter(layer: Layer, shape: number[], where: string): number[] {
  switch (layer.type) {
    case 'dense':
      return [layer.out];
    case 'conv2d': {
      const [kh, kw] = pair(layer.kernel);
      const [sh, sw] = pair(layer.stride ?? 1);
      const [ph, pw] = pair(layer.padding ?? 0);
      return [layer.out, windowOut(where, shape[1], kh, sh, ph), windowOut(where, shape[2], kw, sw, pw)];
    }
    case 'maxpool':
    case 'avgpool': {
      const [kh, kw] = pair(layer.kernel);
      const [sh, sw] = pair(layer.stride ?? layer.kernel);
      const [ph, pw] = pair(layer.padding ?? 0);
      return [shape[0], windowOut(where, shape[1], kh, sh, ph), windowOut(where, shape[2], kw, sw, pw)];
    }
    case 'flatten':
      return [shape.reduce((a, b) => a * b, 1)];
    default:
      return shape;
  }
}

/** The hidden layers of `arch`, input first; NOT_SUPPORTED for residual nets or a hidden layer without ReLU. */
export function hiddenLayers(arch: Arch): HiddenLayer[] {
  const out: HiddenLayer[] = [];
  let shape = [...arch.input];
  const last = arch.layers.length - 1;
  arch.layers.forEach((layer, j) => {
    if (!PLAIN.has(layer.type)) {
      throw new ModeconnError('NOT_SUPPORTED', `layer ${j} is ${layer.type}: the feature conditions of Nguyen et al. are measured on plain networks (dense or conv2d, BatchNorm, ReLU, pooling, flatten, dropout)`, {
        advice: 'residual blocks tie the units of several layers together, so a layer\'s units cannot be kept or dropped on their own',
      });
    }
    shape = shapeAfter(layer, shape, `layer ${j}`);
    const open = out[out.length - 1];
    if (open && open.reluAt === j) open.shape = [...shape];
    if ((layer.type === 'dense' || layer.type === 'conv2d') && j !== last) {
      const next = arch.layers[j + 1]?.type === 'batchnorm' ? j + 2 : j + 1;
      if (arch.layers[next]?.type !== 'relu') {
        throw new ModeconnError('NOT_SUPPORTED', `layer ${j} (${layer.type}) is a hidden layer without a ReLU after it; the conditions are stated for ReLU networks`);
      }
      out.push({ layer: out.length + 1, kind: layer.type, units: layer.out, at: j, reluAt: next, buffer: -1, shape: [] });
    }
  });
  if (arch.layers[last]?.type !== 'dense') {
    throw new ModeconnError('NOT_SUPPORTED', 'the network must end in a dense layer that produces the logits');
  }
  if (out.length === 0) throw new ModeconnError('NOT_SUPPORTED', 'the network has no hidden layer');
  // The spec's groups are the hidden layers in order for a plain net; their first ReLU buffer is the output.
  const groups = specOf(arch).groups;
  if (groups.length !== out.length) throw new ModeconnError('NOT_SUPPORTED', `found ${out.length} hidden layers but ${groups.length} unit groups`);
  out.forEach((h, i) => (h.buffer = groups[i].activations[0]));
  return out;
}

/** ⌊fraction·units⌋, the kept count; NOT_SUPPORTED when a layer is too narrow to keep any unit. */
export function keptCount(units: number, fraction: number, layer = 0): number {
  if (!(fraction > 0 && fraction < 1)) throw new ModeconnError('BAD_ARGUMENT', `the kept fraction must be in (0, 1), got ${fraction}`);
  const k = Math.floor(fraction * units);
  if (k < 1) {
    throw new ModeconnError('NOT_SUPPORTED', `hidden layer ${layer} has ${units} unit${units === 1 ? '' : 's'}: keeping a fraction ${fraction} of them leaves none`, {
      advice: 'widths too small to halve; use wider layers',
    });
  }
  return k;
}

/**
 * The probe above hidden layer ℓ: input = the kept units' outputs ([k_ℓ] or [k_ℓ, H, W]), then
 * the layers of `arch` above ℓ's ReLU with every hidden dense/conv narrowed to ⌊f·h_m⌋ units
 * (dropout layers left out); the last dense layer stays the classifier. Above the last hidden layer
 * this is a linear softmax classifier.
 */
export function probeArch(arch: Arch, layer: number, fraction: number): Arch {
  const hidden = hiddenLayers(arch);
  const h = hidden[layer - 1];
  if (!h) throw new ModeconnError('BAD_ARGUMENT', `hidden layer ${layer} does not exist (the network has ${hidden.length})`);
  const kept = new Map(hidden.map((x) => [x.at, keptCount(x.units, fraction, x.layer)]));
  const layers: Layer[] = [];
  arch.layers.forEach((l, j) => {
    if (j <= h.reluAt || l.type === 'dropout') return;
    if ((l.type === 'dense' || l.type === 'conv2d') && kept.has(j)) layers.push({ ...l, out: kept.get(j)! });
    else layers.push({ ...l });
  });
  return { input: [kept.get(h.at)!, ...h.shape.slice(1)], classes: arch.classes, layers };
}
