/**
 * Architectures as data: an `Arch` is a JSON-serialisable `nn.Sequential` — an input shape
 * (`[features]` or `[c, h, w]`), a class count and a list of layers, each of which takes the next
 * Sequential index. `validateArch` checks the fields; shapes are inferred by `compileArch`.
 */
import { ModeconnError } from '../errors.js';

/** A size given once for both axes, or as `[height, width]`. */
export type Size2 = number | [number, number];

/** `nn.Linear(in, out, bias)`; the input must be flat (`[features]`). */
export interface DenseLayer { type: 'dense'; out: number; bias?: boolean }
/** `nn.Conv2d(c_in, out, kernel, stride = 1, padding = 0, bias = true)` on `[c, h, w]`. */
export interface Conv2dLayer { type: 'conv2d'; out: number; kernel: Size2; stride?: Size2; padding?: Size2; bias?: boolean }
/** `nn.BatchNorm1d` on `[features]`, `nn.BatchNorm2d` on `[c, h, w]` (eps 1e-5, momentum 0.1, affine). */
export interface BatchNormLayer { type: 'batchnorm'; eps?: number; momentum?: number; affine?: boolean }
/** `nn.ReLU()`. Folded into the op before it when that is a dense, conv2d, batchnorm or residual. */
export interface ReluLayer { type: 'relu' }
/** `nn.MaxPool2d(kernel, stride = kernel, padding = 0)`, floor mode. */
export interface MaxPoolLayer { type: 'maxpool'; kernel: Size2; stride?: Size2; padding?: Size2 }
/** `nn.AvgPool2d(kernel, stride = kernel, padding = 0)`, count_include_pad. */
export interface AvgPoolLayer { type: 'avgpool'; kernel: Size2; stride?: Size2; padding?: Size2 }
/** `nn.Flatten()`: `[c, h, w]` → `[c·h·w]`. */
export interface FlattenLayer { type: 'flatten' }
/** `nn.Dropout(p)`, inverted dropout, active only in TRAIN mode. */
export interface DropoutLayer { type: 'dropout'; p: number }
/**
 * A skip connection: output = body(x) + shortcut(x), where an absent or empty shortcut is the
 * identity. There is no built-in activation: write an explicit `{ type: 'relu' }` layer after the
 * residual (the compiler folds it into the ADD op). Sub-layers are named `i.body.j`, `i.shortcut.j`.
 */
export interface ResidualLayer { type: 'residual'; body: Layer[]; shortcut?: Layer[] }

/** One layer of an `Arch`. */
export type Layer =
  | DenseLayer | Conv2dLayer | BatchNormLayer | ReluLayer | MaxPoolLayer | AvgPoolLayer
  | FlattenLayer | DropoutLayer | ResidualLayer;

/** A network: input shape per sample, number of classes, and the Sequential's layers. */
export interface Arch {
  /** `[features]` or `[c, h, w]`. */
  input: number[];
  classes: number;
  layers: Layer[];
}

const LAYER_TYPES = ['dense', 'conv2d', 'batchnorm', 'relu', 'maxpool', 'avgpool', 'flatten', 'dropout', 'residual'];

function bad(where: string, problem: string): never {
  throw new ModeconnError('BAD_ARGUMENT', `${where}: ${problem}`);
}

function positiveInt(where: string, name: string, v: unknown): void {
  if (!Number.isInteger(v) || (v as number) < 1 || (v as number) > 0x7fffffff) {
    bad(where, `${name} must be a positive integer, got ${JSON.stringify(v)}`);
  }
}

function size2(where: string, name: string, v: unknown, min: number): void {
  const ok = (x: unknown) => Number.isInteger(x) && (x as number) >= min && (x as number) <= 0xffff;
  const pair = Array.isArray(v) && v.length === 2 && ok(v[0]) && ok(v[1]);
  if (!ok(v) && !pair) bad(where, `${name} must be an integer ≥ ${min} or a pair [h, w] of them, got ${JSON.stringify(v)}`);
}

function optionalBool(where: string, name: string, v: unknown): void {
  if (v !== undefined && typeof v !== 'boolean') bad(where, `${name} must be a boolean, got ${JSON.stringify(v)}`);
}

/** `[height, width]` of a Size2. */
export function pair(v: Size2): [number, number] {
  return typeof v === 'number' ? [v, v] : [v[0], v[1]];
}

/** Human-readable position of a layer: `layer 3 (conv2d)` or `layer 4.body.1 (batchnorm)`. */
export function layerWhere(path: string, layer: { type?: unknown }): string {
  return `layer ${path} (${String(layer?.type)})`;
}

function validateLayers(layers: unknown, prefix: string): void {
  if (!Array.isArray(layers)) bad(prefix ? `layer ${prefix}` : 'arch', 'layers must be an array');
  layers.forEach((layer: Record<string, unknown>, j: number) => {
    const path = prefix ? `${prefix}.${j}` : `${j}`;
    if (layer === null || typeof layer !== 'object') bad(`layer ${path}`, 'must be an object with a type');
    const where = layerWhere(path, layer);
    if (!LAYER_TYPES.includes(layer.type as string)) bad(where, `unknown layer type; expected one of ${LAYER_TYPES.join(', ')}`);
    switch (layer.type) {
      case 'dense':
        positiveInt(where, 'out', layer.out);
        optionalBool(where, 'bias', layer.bias);
        break;
      case 'conv2d':
        positiveInt(where, 'out', layer.out);
        size2(where, 'kernel', layer.kernel, 1);
        if (layer.stride !== undefined) size2(where, 'stride', layer.stride, 1);
        if (layer.padding !== undefined) size2(where, 'padding', layer.padding, 0);
        optionalBool(where, 'bias', layer.bias);
        break;
      case 'batchnorm':
        if (layer.eps !== undefined && !(typeof layer.eps === 'number' && Number.isFinite(layer.eps) && layer.eps >= 0)) {
          bad(where, `eps must be a finite number ≥ 0, got ${JSON.stringify(layer.eps)}`);
        }
        if (layer.momentum !== undefined && !(typeof layer.momentum === 'number' && layer.momentum >= 0 && layer.momentum <= 1)) {
          bad(where, `momentum must be a number in [0, 1], got ${JSON.stringify(layer.momentum)}`);
        }
        optionalBool(where, 'affine', layer.affine);
        break;
      case 'maxpool':
      case 'avgpool':
        size2(where, 'kernel', layer.kernel, 1);
        if (layer.stride !== undefined) size2(where, 'stride', layer.stride, 1);
        if (layer.padding !== undefined) size2(where, 'padding', layer.padding, 0);
        break;
      case 'dropout': {
        const p = layer.p;
        if (!(typeof p === 'number' && Math.fround(p) >= 0 && Math.fround(p) < 1)) {
          bad(where, `p must be a number in [0, 1), got ${JSON.stringify(p)}`);
        }
        break;
      }
      case 'residual':
        if (!Array.isArray(layer.body) || layer.body.length === 0) bad(where, 'body must be a non-empty array of layers');
        validateLayers(layer.body, `${path}.body`);
        if (layer.shortcut !== undefined) validateLayers(layer.shortcut, `${path}.shortcut`);
        break;
      default:
        break;
    }
  });
}

/** Checks every field of an arch (BAD_ARGUMENT naming the layer and the problem); shapes are checked by compileArch. */
export function validateArch(arch: Arch): void {
  if (arch === null || typeof arch !== 'object') bad('arch', 'must be an object { input, classes, layers }');
  const { input } = arch;
  if (!Array.isArray(input) || (input.length !== 1 && input.length !== 3)) {
    bad('arch', `input must be [features] or [c, h, w], got ${JSON.stringify(input)}`);
  }
  input.forEach((d, i) => positiveInt('arch', `input[${i}]`, d));
  positiveInt('arch', 'classes', arch.classes);
  validateLayers(arch.layers, '');
}

