/**
 * Inference of chain-shaped networks from state_dict names and shapes: `nn.Sequential` MLPs and
 * CNNs (`0.weight`, `3.weight`, …), torchvision-style VGGs (`features.N.*`, `classifier.N.*`) and
 * MLPs with named layers (`fc1.*`, `bn1.*`, `fc2.*`). Modules without tensors are read from the gaps
 * between indices (rules in docs/IO.md); shapes are checked layer by layer.
 */
import { ModeconnError } from '../errors.js';
import type { Arch } from '../model/arch.js';
import {
  cannotInfer, imageInput, layerOf, LayerList, layoutNamesOf, readModule,
  type InferOptions, type InferredArch, type InferredModule,
} from './infer-modules.js';

type Modules = Map<string, Map<string, number[]>>;
interface Indexed { index: number; prefix: string; mod: InferredModule }

/** PyTorch's default dropout probability, assumed where an index gap holds an nn.Dropout. */
const DEFAULT_DROPOUT = 0.5;

function indexed(modules: Modules, prefixes: string[], strip: string, name: string): Indexed[] {
  const items = prefixes.map((prefix) => {
    const mod = readModule(modules.get(prefix));
    const index = Number(prefix.slice(strip.length));
    if (!mod) cannotInfer(name, `module ${prefix} (${[...modules.get(prefix)!.keys()].join(', ')}) is neither a Linear, a Conv2d nor a BatchNorm`);
    return { index, prefix, mod: mod! };
  });
  return items.sort((a, b) => a.index - b.index);
}

function pooled(shape: number[]): number[] {
  return [shape[0], Math.floor(shape[1] / 2), Math.floor(shape[2] / 2)];
}

/**
 * Emits an indexed chain into `list` from input `shape`; returns the output shape. Gaps: after a
 * convolution or 2-D BatchNorm, 1 = ReLU and 2 = ReLU + MaxPool2d(2); after a Linear, 1 = ReLU and
 * 2 = ReLU + Dropout; before a BatchNorm, 1 = ReLU; from images to a Linear, ReLU, MaxPool2d(2)s
 * and a Flatten; before the first module, 1 = Flatten (images) or Dropout (a classifier).
 */
function emitChain(list: LayerList, items: Indexed[], shape: number[], name: string, where: string, lead: 'flatten' | 'dropout'): number[] {
  let cur = shape;
  items.forEach(({ index, prefix, mod }, k) => {
    const from = k === 0 ? 0 : items[k - 1].index + 1;
    const gap = index - from;
    const gapFail = (why: string): never => cannotInfer(name, `indices ${where}${from}..${where}${index - 1} own no tensors (${why})`);
    const image = cur.length === 3;
    if (k === 0) {
      if (gap === 1 && mod.kind === 'dense' && (image || lead === 'flatten')) {
        list.add({ type: 'flatten' });
        cur = [cur.reduce((a, b) => a * b, 1)];
      } else if (gap === 1 && !image && mod.kind === 'dense') list.add({ type: 'dropout', p: DEFAULT_DROPOUT });
      else if (gap > 0) gapFail('only one Flatten or Dropout may come before the first module');
    } else if (mod.kind === 'batchnorm') {
      if (gap === 1) list.add({ type: 'relu' });
      else if (gap > 1) gapFail('only a ReLU may come before a BatchNorm');
    } else if (image && mod.kind === 'conv') {
      if (gap >= 1) list.add({ type: 'relu' });
      if (gap === 2) {
        list.add({ type: 'maxpool', kernel: 2 });
        cur = pooled(cur);
      } else if (gap > 2) gapFail('ReLU and one MaxPool2d(2) at most between convolutions');
    } else if (!image && mod.kind === 'dense') {
      if (gap >= 1) list.add({ type: 'relu' });
      if (gap === 2) list.add({ type: 'dropout', p: DEFAULT_DROPOUT });
      else if (gap > 2) gapFail('ReLU and Dropout at most between Linear layers');
    } else if (image && mod.kind === 'dense') {
      if (gap === 0) gapFail('a Flatten must come between convolutions and a Linear');
      if (gap >= 2) list.add({ type: 'relu' });
      for (let p = 0; p < gap - 2; p++) {
        list.add({ type: 'maxpool', kernel: 2 });
        cur = pooled(cur);
      }
      list.add({ type: 'flatten' });
      cur = [cur.reduce((a, b) => a * b, 1)];
    } else {
      cannotInfer(name, `module ${prefix} is a convolution after a Linear`);
    }
    if (mod.kind !== 'batchnorm' && mod.in !== cur[0]) {
      cannotInfer(name, `module ${prefix} takes ${mod.in} ${mod.kind === 'conv' ? 'channels' : 'features'} but receives [${cur.join(', ')}]${mod.kind === 'dense' && k > 0 ? ' (are the pooling layers or the input size different?)' : ''}`);
    }
    if (mod.kind === 'batchnorm' && mod.channels !== cur[0]) cannotInfer(name, `BatchNorm ${prefix} has ${mod.channels} channels but receives [${cur.join(', ')}]`);
    list.add(layerOf(mod), prefix);
    if (mod.kind === 'dense') cur = [mod.out];
    if (mod.kind === 'conv') cur = [mod.out, cur[1] + 2 * ((mod.kh - 1) >> 1) - mod.kh + 1, cur[2] + 2 * ((mod.kw - 1) >> 1) - mod.kw + 1];
  });
  return cur;
}

function finish(list: LayerList, input: number[], items: Indexed[], modules: Modules, name: string, family: string): InferredArch {
  const last = items[items.length - 1];
  if (last.mod.kind !== 'dense') cannotInfer(name, `the last module (${last.prefix}) is not a Linear`);
  const arch: Arch = { input, classes: (last.mod as { out: number }).out, layers: list.layers };
  return { arch, layoutNames: layoutNamesOf(list.owners, modules, name), family };
}

function firstInput(first: InferredModule, options: InferOptions, name: string, leadFlatten: boolean): number[] {
  if (first.kind === 'conv') return imageInput(first.in, options, name);
  if (first.kind !== 'dense') cannotInfer(name, 'the first module is not a Linear or a Conv2d');
  const input = options.input;
  const size = input ? input.reduce((a, b) => a * b, 1) : 0;
  if (input && input.length === 3 && size === (first as { in: number }).in && leadFlatten) return [...input];
  return [(first as { in: number }).in];
}

/** An `nn.Sequential` of Linear, Conv2d and BatchNorm modules (names `<index>.<tensor>`). */
export function inferSequential(modules: Modules, options: InferOptions, name: string): InferredArch {
  const items = indexed(modules, [...modules.keys()], '', name);
  const list = new LayerList();
  const input = firstInput(items[0].mod, options, name, items[0].index === 1);
  emitChain(list, items, input, name, '', 'flatten');
  return finish(list, input, items, modules, name, items.some((i) => i.mod.kind === 'conv') ? 'sequential-cnn' : 'sequential-mlp');
}

/** A torchvision-style VGG: `features` (Conv2d, BatchNorm2d) and `classifier` (Linear) Sequentials. */
export function inferVgg(modules: Modules, options: InferOptions, name: string): InferredArch {
  const prefixes = [...modules.keys()];
  const stray = prefixes.filter((p) => !/^features\.\d+$/.test(p) && !/^classifier(\.\d+)?$/.test(p));
  if (stray.length > 0) cannotInfer(name, `VGG layout: modules other than features.N and classifier[.N]: ${stray.map((s) => `"${s}"`).join(', ')}`);
  const features = indexed(modules, prefixes.filter((p) => p.startsWith('features.')), 'features.', name);
  const single = modules.has('classifier');
  const classifier = single
    ? [{ index: 0, prefix: 'classifier', mod: readModule(modules.get('classifier'))! }]
    : indexed(modules, prefixes.filter((p) => p.startsWith('classifier.')), 'classifier.', name);
  if (features.length === 0 || features[0].mod.kind !== 'conv') cannotInfer(name, 'VGG layout: features must start with a Conv2d');
  if (classifier.length === 0 || classifier[0].mod?.kind !== 'dense') cannotInfer(name, 'VGG layout: the classifier must start with a Linear');
  if (features[0].index !== 0) cannotInfer(name, `VGG layout: features.0..${features[0].index - 1} own no tensors`);
  const input = imageInput((features[0].mod as { in: number }).in, options, name);
  const list = new LayerList();
  let shape = emitChain(list, features, input, name, 'features.', 'flatten');
  // What follows the last feature module owns no tensors: ReLU, then torchvision's closing 'M'
  // (one 2x2 max-pool) when the sizes say so, then AdaptiveAvgPool2d(1) when the classifier takes C.
  list.add({ type: 'relu' });
  const wanted = (classifier[0].mod as { in: number }).in;
  const [c, h, w] = shape;
  const size = (s: number[]) => s[0] * s[1] * s[2];
  if (size(shape) !== wanted && (size(pooled(shape)) === wanted || (wanted === c && h > 1 && w > 1))) {
    list.add({ type: 'maxpool', kernel: 2 });
    shape = pooled(shape);
  }
  if (size(shape) !== wanted && wanted === c) {
    list.add({ type: 'avgpool', kernel: [shape[1], shape[2]] });
    shape = [c, 1, 1];
  } else if (size(shape) !== wanted && wanted === c * 49) {
    throw new ModeconnError('NOT_SUPPORTED', `${name}: the classifier takes ${c}x7x7 features: torchvision's AdaptiveAvgPool2d((7, 7)) on a ${h}x${w} map, which modeconn has no layer for`, {
      advice: 'use a VGG whose classifier takes the flattened feature map (CIFAR VGGs) or AdaptiveAvgPool2d(1)',
    });
  } else if (size(shape) !== wanted) {
    cannotInfer(name, `classifier input of ${wanted} features matches no pooling of the [${c}, ${h}, ${w}] feature map (input [${input.join(', ')}]; pass { input } if it differs)`);
  }
  list.add({ type: 'flatten' });
  emitChain(list, classifier, [shape[0] * shape[1] * shape[2]], name, 'classifier.', 'dropout');
  return finish(list, input, classifier, modules, name, 'vgg');
}

/**
 * An MLP of named Linear layers (`fc1`, `fc2`, … or any names) with optional BatchNorm1d after
 * each: ReLU between blocks, none after the last. Order: by the names' trailing numbers when every
 * name has one (Linear before BatchNorm), else the file's order.
 */
export function inferNamedMlp(modules: Modules, options: InferOptions, name: string): InferredArch {
  const items = [...modules.keys()].map((prefix, order) => {
    const mod = readModule(modules.get(prefix));
    if (!mod || mod.kind === 'conv') cannotInfer(name, `module ${prefix} is not a Linear or a BatchNorm1d (named layouts are inferred for MLPs only)`);
    return { prefix, mod: mod!, order, number: /(\d+)$/.exec(prefix)?.[1] };
  });
  if (items.every((i) => i.number !== undefined)) {
    items.sort((a, b) => Number(a.number) - Number(b.number) || (a.mod.kind === 'dense' ? 0 : 1) - (b.mod.kind === 'dense' ? 0 : 1) || a.order - b.order);
  }
  if (items[0].mod.kind !== 'dense') cannotInfer(name, `the first module (${items[0].prefix}) is not a Linear`);
  const input = firstInput(items[0].mod, options, name, true);
  const list = new LayerList();
  if (input.length === 3) list.add({ type: 'flatten' });
  let width = input.length === 3 ? input.reduce((a, b) => a * b, 1) : input[0];
  items.forEach(({ prefix, mod }, k) => {
    if (mod.kind === 'dense') {
      if (k > 0) list.add({ type: 'relu' });
      if (mod.in !== width) cannotInfer(name, `module ${prefix} takes ${mod.in} features but receives ${width}`);
      width = mod.out;
    } else if (k === 0 || items[k - 1].mod.kind !== 'dense' || (mod as { channels: number }).channels !== width) {
      cannotInfer(name, `BatchNorm ${prefix} does not follow a Linear of its width`);
    }
    list.add(layerOf(mod), prefix);
  });
  const asIndexed = items.map((i, index) => ({ index, prefix: i.prefix, mod: i.mod }));
  return finish(list, input, asIndexed, modules, name, 'named-mlp');
}
