/**
 * Inference of ResNets from state_dict names: a stem `conv1` (+ `bn1`), stages `layer{s}.{b}` of
 * basic (conv1/bn1/conv2/bn2) or bottleneck (… conv3/bn3) blocks with a `shortcut.{0,1}` or
 * `downsample.{0,1}` projection, and a `linear`/`fc` head after global average pooling — the CIFAR
 * ResNet-20 family (He et al. 2016, option B), torchvision's names, and the pre-activation ResNets of
 * dnn-mode-connectivity (no stem BN, blocks start with bn1, a final `bn`). Strides are the
 * convention of all of these: 2 in the first block of every stage after the first.
 */
import { ModeconnError } from '../errors.js';
import type { Arch, Layer } from '../model/arch.js';
import {
  cannotInfer, imageInput, layerOf, LayerList, layoutNamesOf, readModule,
  type InferOptions, type InferredArch, type InferredModule,
} from './infer-modules.js';

type Modules = Map<string, Map<string, number[]>>;
type Conv = Extract<InferredModule, { kind: 'conv' }>;

function conv(modules: Modules, prefix: string, name: string): Conv {
  const m = readModule(modules.get(prefix));
  if (m?.kind !== 'conv') cannotInfer(name, `ResNet layout: ${prefix} is not a Conv2d`);
  return m as Conv;
}

function norm(modules: Modules, prefix: string, channels: number, name: string): InferredModule {
  const m = readModule(modules.get(prefix));
  if (m?.kind !== 'batchnorm') cannotInfer(name, `ResNet layout: ${prefix} is not a BatchNorm2d`);
  if ((m as { channels: number }).channels !== channels) cannotInfer(name, `ResNet layout: ${prefix} has ${(m as { channels: number }).channels} channels, expected ${channels}`);
  return m!;
}

const down = (x: number, stride: number) => (stride === 1 ? x : Math.floor((x - 1) / stride) + 1);

/** True when the names look like a ResNet (a `conv1` stem and a `layer1.0` block). */
export function looksLikeResnet(modules: Modules): boolean {
  return modules.has('conv1') && [...modules.keys()].some((p) => p.startsWith('layer1.0.'));
}

/** Infers a ResNet (see the module header); NOT_SUPPORTED for parameter-free (option A) shortcuts. */
export function inferResnet(modules: Modules, options: InferOptions, name: string): InferredArch {
  const stem = conv(modules, 'conv1', name);
  const preAct = !modules.has('bn1');
  const headName = ['fc', 'linear'].find((h) => modules.has(h));
  if (!headName) cannotInfer(name, 'ResNet layout: no `fc` or `linear` head');
  const head = readModule(modules.get(headName!));
  if (head?.kind !== 'dense') cannotInfer(name, `ResNet layout: ${headName} is not a Linear`);
  const input = imageInput(stem.in, options, name);
  const list = new LayerList();
  const stemStride = stem.kh === 7 ? 2 : 1;
  list.add(layerOf(stem, stemStride), 'conv1');
  let [c, h, w] = [stem.out, down(input[1], stemStride), down(input[2], stemStride)];
  if (!preAct) {
    list.add(layerOf(norm(modules, 'bn1', c, name)), 'bn1').add({ type: 'relu' });
    if (stem.kh === 7) {
      list.add({ type: 'maxpool', kernel: 3, stride: 2, padding: 1 });
      [h, w] = [down(h, 2), down(w, 2)];
    }
  }
  for (let s = 1; modules.has(`layer${s}.0.conv1`); s++) {
    for (let b = 0; modules.has(`layer${s}.${b}.conv1`); b++) {
      const p = `layer${s}.${b}`;
      const stride = s > 1 && b === 0 ? 2 : 1;
      const convs = [1, 2, 3].filter((i) => modules.has(`${p}.conv${i}`)).map((i) => conv(modules, `${p}.conv${i}`, name));
      const bottleneck = convs.length === 3;
      const out = convs[convs.length - 1].out;
      if (convs[0].in !== c) cannotInfer(name, `ResNet layout: ${p}.conv1 takes ${convs[0].in} channels but the block receives ${c}`);
      const sc = ['shortcut', 'downsample'].find((n) => modules.has(`${p}.${n}.0`));
      if (!sc && (stride !== 1 || c !== out)) {
        throw new ModeconnError('NOT_SUPPORTED', `${name}: block ${p} changes the shape (${c} → ${out} channels, stride ${stride}) without shortcut tensors: a parameter-free (option A, zero-padding) shortcut, which modeconn has no layer for`, {
          advice: 'use 1x1-convolution (option B) shortcuts',
        });
      }
      // Stride sits on the 3x3 convolution: conv1 of a basic block, conv2 of a bottleneck.
      const strideOf = (i: number) => (bottleneck ? i === 1 : i === 0) ? stride : 1;
      const shortcut = (list: LayerList) => {
        if (!sc) return;
        list.add(layerOf(conv(modules, `${p}.${sc}.0`, name), stride), `${p}.${sc}.0`);
        if (modules.has(`${p}.${sc}.1`)) list.add(layerOf(norm(modules, `${p}.${sc}.1`, out, name)), `${p}.${sc}.1`);
      };
      if (!preAct) {
        list.addResidual((body, short) => {
          convs.forEach((m, i) => {
            if (i > 0) body.add({ type: 'relu' });
            body.add(layerOf(m, strideOf(i)), `${p}.conv${i + 1}`).add(layerOf(norm(modules, `${p}.bn${i + 1}`, m.out, name)), `${p}.bn${i + 1}`);
          });
          shortcut(short);
        }).add({ type: 'relu' });
      } else {
        // Pre-activation: bn1 → ReLU comes first; a projection shortcut reads its output (bearpaw / dnn-mode-connectivity).
        const first: Layer[] = [layerOf(norm(modules, `${p}.bn1`, c, name)), { type: 'relu' }];
        if (sc) list.add(first[0], `${p}.bn1`).add(first[1]);
        list.addResidual((body, short) => {
          if (!sc) body.add(first[0], `${p}.bn1`).add(first[1]);
          convs.forEach((m, i) => {
            if (i > 0) body.add(layerOf(norm(modules, `${p}.bn${i + 1}`, convs[i - 1].out, name)), `${p}.bn${i + 1}`).add({ type: 'relu' });
            body.add(layerOf(m, strideOf(i)), `${p}.conv${i + 1}`);
          });
          shortcut(short);
        });
      }
      [c, h, w] = [out, down(h, stride), down(w, stride)];
    }
  }
  if (preAct) {
    const final = ['bn', 'bn_final', 'norm'].find((n) => modules.has(n));
    if (!final) cannotInfer(name, 'ResNet layout: no stem bn1 and no final bn (neither post- nor pre-activation)');
    list.add(layerOf(norm(modules, final!, c, name)), final).add({ type: 'relu' });
  }
  if ((head as { in: number }).in !== c) cannotInfer(name, `ResNet layout: ${headName} takes ${(head as { in: number }).in} features but the last stage gives ${c} channels`);
  list.add({ type: 'avgpool', kernel: [h, w] }).add({ type: 'flatten' }).add(layerOf(head!), headName);
  const arch: Arch = { input, classes: (head as { out: number }).out, layers: list.layers };
  return { arch, layoutNames: layoutNamesOf(list.owners, modules, name), family: preAct ? 'preresnet' : 'resnet' };
}
