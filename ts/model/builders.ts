/**
 * Builders for the architecture families the mode-connectivity literature uses at small scale: the
 * `nn.Sequential` MLP, a VGG-style convnet and a small (CIFAR-style) ResNet, for 28x28 and 32x32.
 */
import { ModeconnError } from '../errors.js';
import type { Arch, Layer } from './arch.js';

function bad(builder: string, problem: string): never {
  throw new ModeconnError('BAD_ARGUMENT', `${builder}: ${problem}`);
}

function positiveInt(builder: string, name: string, v: unknown): void {
  if (!Number.isInteger(v) || (v as number) < 1) bad(builder, `${name} must be a positive integer, got ${JSON.stringify(v)}`);
}

function dropoutP(builder: string, p: unknown): void {
  if (!(typeof p === 'number' && p >= 0 && p < 1)) bad(builder, `dropout must be a probability in [0, 1), got ${JSON.stringify(p)}`);
}

export interface MlpOptions {
  /** Features per sample, or a shape such as `[1, 28, 28]` (a flatten layer is then put first). */
  input: number | number[];
  /** Width of each hidden layer. */
  hidden: number[];
  classes: number;
  /** BatchNorm1d after each hidden Linear. */
  batchNorm?: boolean;
  /** Dropout probability after each hidden ReLU (none when absent or 0). */
  dropout?: number;
}

/**
 * The MLP PyTorch users write: per hidden layer Linear → [BatchNorm1d] → ReLU → [Dropout], then a
 * final Linear. `mlp({ input: 784, hidden: [512, 512], classes: 10, batchNorm: true })`.
 */
export function mlp(options: MlpOptions): Arch {
  const { hidden, classes, batchNorm = false, dropout = 0 } = options;
  const input = typeof options.input === 'number' ? [options.input] : [...options.input];
  input.forEach((d, i) => positiveInt('mlp', `input[${i}]`, d));
  if (!Array.isArray(hidden)) bad('mlp', 'hidden must be an array of widths');
  hidden.forEach((h, i) => positiveInt('mlp', `hidden[${i}]`, h));
  positiveInt('mlp', 'classes', classes);
  dropoutP('mlp', dropout);
  const layers: Layer[] = input.length > 1 ? [{ type: 'flatten' }] : [];
  for (const width of hidden) {
    layers.push({ type: 'dense', out: width });
    if (batchNorm) layers.push({ type: 'batchnorm' });
    layers.push({ type: 'relu' });
    if (dropout > 0) layers.push({ type: 'dropout', p: dropout });
  }
  layers.push({ type: 'dense', out: classes });
  return { input, classes, layers };
}

export interface VggOptions {
  /** `[c, h, w]`, e.g. `[1, 28, 28]` or `[3, 32, 32]`. */
  input: number[];
  /**
   * torchvision's VGG configuration: a number is a 3x3 convolution (padding 1) with that many
   * output channels, `'M'` a 2x2 max-pooling. E.g. `[32, 'M', 64, 'M']`.
   */
  channels: Array<number | 'M'>;
  classes: number;
  /** BatchNorm2d after each convolution (VGG-BN). */
  batchNorm?: boolean;
  /** Widths of hidden Linear → ReLU layers in the classifier (default none). */
  hidden?: number[];
  /** Dropout before each hidden classifier Linear (default none). */
  dropout?: number;
}

/** A VGG-style convnet: conv3x3 → [BN] → ReLU blocks with 'M' pooling, flatten, classifier. */
export function vgg(options: VggOptions): Arch {
  const { input, channels, classes, batchNorm = false, hidden = [], dropout = 0 } = options;
  if (!Array.isArray(input) || input.length !== 3) bad('vgg', `input must be [c, h, w], got ${JSON.stringify(input)}`);
  input.forEach((d, i) => positiveInt('vgg', `input[${i}]`, d));
  if (!Array.isArray(channels) || channels.length === 0) bad('vgg', 'channels must be a non-empty array of widths and \'M\'');
  positiveInt('vgg', 'classes', classes);
  hidden.forEach((h, i) => positiveInt('vgg', `hidden[${i}]`, h));
  dropoutP('vgg', dropout);
  const layers: Layer[] = [];
  channels.forEach((c, i) => {
    if (c === 'M') {
      layers.push({ type: 'maxpool', kernel: 2 });
      return;
    }
    positiveInt('vgg', `channels[${i}]`, c);
    layers.push({ type: 'conv2d', out: c, kernel: 3, padding: 1 });
    if (batchNorm) layers.push({ type: 'batchnorm' });
    layers.push({ type: 'relu' });
  });
  layers.push({ type: 'flatten' });
  for (const width of hidden) {
    if (dropout > 0) layers.push({ type: 'dropout', p: dropout });
    layers.push({ type: 'dense', out: width }, { type: 'relu' });
  }
  layers.push({ type: 'dense', out: classes });
  return { input: [...input], classes, layers };
}

export interface ResnetOptions {
  /** `[c, h, w]`, e.g. `[1, 28, 28]` or `[3, 32, 32]`. */
  input: number[];
  /** Channels of the stem and first stage; each later stage doubles them. */
  width: number;
  /** Basic blocks per stage: a number (three stages of it) or one count per stage. */
  blocks: number | number[];
  classes: number;
}

/**
 * A small ResNet (He et al.'s CIFAR family; `blocks: [3, 3, 3]`, `width: 16` is ResNet-20):
 * conv3x3 stem → BN → ReLU; stages of basic blocks (conv3x3 → BN → ReLU → conv3x3 → BN, plus a
 * 1x1 conv + BN shortcut where the shape changes, then ReLU), each stage after the first starting
 * with stride 2; global average pooling, flatten, Linear. Convolutions before BatchNorm have no bias.
 */
export function resnet(options: ResnetOptions): Arch {
  const { input, width, classes } = options;
  if (!Array.isArray(input) || input.length !== 3) bad('resnet', `input must be [c, h, w], got ${JSON.stringify(input)}`);
  input.forEach((d, i) => positiveInt('resnet', `input[${i}]`, d));
  positiveInt('resnet', 'width', width);
  positiveInt('resnet', 'classes', classes);
  const stages = typeof options.blocks === 'number' ? [options.blocks, options.blocks, options.blocks] : options.blocks;
  if (!Array.isArray(stages) || stages.length === 0) bad('resnet', 'blocks must be a positive integer or a non-empty array of them');
  stages.forEach((b, i) => positiveInt('resnet', `blocks[${i}]`, b));

  const conv = (out: number, kernel: number, stride: number): Layer =>
    ({ type: 'conv2d', out, kernel, stride, padding: kernel === 3 ? 1 : 0, bias: false });
  const layers: Layer[] = [conv(width, 3, 1), { type: 'batchnorm' }, { type: 'relu' }];
  let [channels, h, w] = [width, input[1], input[2]];
  stages.forEach((count, s) => {
    const out = width * 2 ** s;
    for (let b = 0; b < count; b++) {
      const stride = s > 0 && b === 0 ? 2 : 1;
      const body: Layer[] = [conv(out, 3, stride), { type: 'batchnorm' }, { type: 'relu' }, conv(out, 3, 1), { type: 'batchnorm' }];
      const reshape = stride !== 1 || out !== channels;
      layers.push(reshape ? { type: 'residual', body, shortcut: [conv(out, 1, stride), { type: 'batchnorm' }] } : { type: 'residual', body });
      layers.push({ type: 'relu' });
      if (stride === 2) {
        h = Math.floor((h - 1) / 2) + 1;
        w = Math.floor((w - 1) / 2) + 1;
      }
      channels = out;
    }
  });
  layers.push({ type: 'avgpool', kernel: [h, w] }, { type: 'flatten' }, { type: 'dense', out: classes });
  return { input: [...input], classes, layers };
}
