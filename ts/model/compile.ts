/**
 * compileArch: infers every shape of an `Arch` and emits the flat parameter layout (PyTorch
 * `state_dict` names, trainable tensors first, then BatchNorm buffers) and the plan words that the
 * WASM executor and its TS twin run (docs/PLAN-FORMAT.md).
 */
import { ModeconnError } from '../errors.js';
import { type Arch, type Layer, layerWhere, pair, validateArch } from './arch.js';
import { type Plan, type PlanOp, decodePlan, encodePlan, windowOut } from './plan-format.js';

export { decodePlan } from './plan-format.js';

/** What a layout entry holds. Counters (`num_batches_tracked`) have no place in θ. */
export type LayoutKind = 'weight' | 'bias' | 'bn_weight' | 'bn_bias' | 'running_mean' | 'running_var' | 'counter';

/** One tensor of the flat vector θ. */
export interface LayoutEntry {
  /** PyTorch state_dict name, e.g. `1.running_mean`, `3.body.0.weight`. */
  name: string;
  /** PyTorch shape: dense `[out, in]`, conv `[cOut, cIn, kh, kw]`, per-channel `[c]`, counter `[]`. */
  shape: number[];
  /** Start in θ; −1 for counters. */
  offset: number;
  /** Floats in θ (0 for counters). */
  length: number;
  kind: LayoutKind;
  /** Index of the top-level layer (in `arch.layers`) that owns it. */
  layer: number;
}

/** A compiled arch: plan words, layout and sizes. */
export interface CompiledArch {
  words: Uint32Array;
  /** Entries in θ order: all trainable tensors (module order), then buffers (module order). */
  layout: LayoutEntry[];
  /** Trainable parameters: θ[0, P). */
  paramCount: number;
  /** Length of θ (trainable parameters and running statistics). */
  totalLength: number;
  classes: number;
  /** Floats per input sample. */
  inputSize: number;
  /** Per-sample float count of each activation buffer (buffer 0 is the input). */
  bufferSizes: number[];
}

const TRAINABLE: ReadonlySet<LayoutKind> = new Set(['weight', 'bias', 'bn_weight', 'bn_bias']);

/** A value as it flows through the network: a buffer and its per-sample shape. */
interface Value { buf: number; shape: number[] }

class Compiler {
  readonly entries: LayoutEntry[] = [];
  readonly ops: PlanOp[] = [];
  readonly bufferSizes: number[] = [];
  /** θ offsets to fill in once the layout is known. */
  private readonly fixups: Array<{ op: Record<string, unknown>; field: string; entry: LayoutEntry }> = [];

  buffer(shape: number[]): number {
    this.bufferSizes.push(shape.reduce((a, b) => a * b, 1));
    return this.bufferSizes.length - 1;
  }

  tensor(name: string, kind: LayoutKind, shape: number[], layer: number): LayoutEntry {
    const length = kind === 'counter' ? 0 : shape.reduce((a, b) => a * b, 1);
    const entry: LayoutEntry = { name, shape, offset: -1, length, kind, layer };
    this.entries.push(entry);
    return entry;
  }

  /** Adds an op whose θ offsets refer to entries (filled in by `finish`). */
  emit<T extends PlanOp>(op: T, refs: Record<string, LayoutEntry | null> = {}): T {
    for (const [field, entry] of Object.entries(refs)) {
      const record = op as unknown as Record<string, unknown>;
      record[field] = null;
      if (entry) this.fixups.push({ op: record, field, entry });
    }
    this.ops.push(op);
    return op;
  }

  /** Orders θ (trainable first, then buffers), assigns offsets and resolves the ops. */
  finish(): { P: number; total: number; layout: LayoutEntry[] } {
    const trainable = this.entries.filter((e) => TRAINABLE.has(e.kind));
    const buffers = this.entries.filter((e) => !TRAINABLE.has(e.kind));
    let offset = 0;
    for (const e of trainable) {
      e.offset = offset;
      offset += e.length;
    }
    const P = offset;
    for (const e of buffers) {
      if (e.kind === 'counter') continue;
      e.offset = offset;
      offset += e.length;
    }
    for (const { op, field, entry } of this.fixups) op[field] = entry.offset;
    return { P, total: offset, layout: [...trainable, ...buffers] };
  }
}

function badShape(where: string, problem: string): never {
  throw new ModeconnError('BAD_SHAPE', `${where}: ${problem}`);
}

function describe(shape: number[]): string {
  return `[${shape.join(', ')}]`;
}

/** Emits `layers` (names `prefix + j`) from `x`; returns the output value. */
function compileLayers(c: Compiler, layers: Layer[], x: Value, prefix: string, top: number | null): Value {
  let cur = x;
  layers.forEach((layer, j) => {
    const path = `${prefix}${j}`;
    const where = layerWhere(path, layer);
    const owner = top ?? j;
    const name = (tensor: string) => `${path}.${tensor}`;
    const spatial = (): [number, number, number] => {
      if (cur.shape.length !== 3) badShape(where, `needs an image input [c, h, w], got ${describe(cur.shape)}`);
      return cur.shape as [number, number, number];
    };
    switch (layer.type) {
      case 'dense': {
        if (cur.shape.length !== 1) badShape(where, `needs a flat input [features], got ${describe(cur.shape)}; add a flatten layer before it`);
        const [inF] = cur.shape;
        const w = c.tensor(name('weight'), 'weight', [layer.out, inF], owner);
        const b = layer.bias === false ? null : c.tensor(name('bias'), 'bias', [layer.out], owner);
        const out: Value = { buf: c.buffer([layer.out]), shape: [layer.out] };
        c.emit({ op: 'dense', src: cur.buf, dst: out.buf, in: inF, out: layer.out, w: 0, b: null, act: 0 }, { w, b });
        cur = out;
        break;
      }
      case 'conv2d': {
        const [cIn, h, w] = spatial();
        const [kh, kw] = pair(layer.kernel);
        const [sh, sw] = pair(layer.stride ?? 1);
        const [ph, pw] = pair(layer.padding ?? 0);
        const oh = windowOut(where, h, kh, sh, ph);
        const ow = windowOut(where, w, kw, sw, pw);
        const wt = c.tensor(name('weight'), 'weight', [layer.out, cIn, kh, kw], owner);
        const b = layer.bias === false ? null : c.tensor(name('bias'), 'bias', [layer.out], owner);
        const shape = [layer.out, oh, ow];
        const out: Value = { buf: c.buffer(shape), shape };
        c.emit({ op: 'conv2d', src: cur.buf, dst: out.buf, cIn, h, w, cOut: layer.out, kh, kw, sh, sw, ph, pw, wt: 0, b: null, act: 0 }, { wt, b });
        cur = out;
        break;
      }
      case 'batchnorm': {
        const channels = cur.shape[0];
        const s = cur.shape.length === 3 ? cur.shape[1] * cur.shape[2] : 1;
        const affine = layer.affine !== false;
        const gamma = affine ? c.tensor(name('weight'), 'bn_weight', [channels], owner) : null;
        const beta = affine ? c.tensor(name('bias'), 'bn_bias', [channels], owner) : null;
        const mean = c.tensor(name('running_mean'), 'running_mean', [channels], owner);
        const variance = c.tensor(name('running_var'), 'running_var', [channels], owner);
        c.tensor(name('num_batches_tracked'), 'counter', [], owner);
        const out: Value = { buf: c.buffer(cur.shape), shape: cur.shape };
        c.emit(
          { op: 'batchnorm', src: cur.buf, dst: out.buf, c: channels, s, gamma: null, beta: null, mean: 0, var: 0,
            eps: Math.fround(layer.eps ?? 1e-5), momentum: Math.fround(layer.momentum ?? 0.1), act: 0 },
          { gamma, beta, mean, var: variance },
        );
        cur = out;
        break;
      }
      case 'relu': {
        // Fold into the op that produced the previous layer's output, when there is one to fold into.
        const prev = j > 0 ? layers[j - 1].type : null;
        const last = c.ops[c.ops.length - 1];
        const foldable = prev === 'dense' || prev === 'conv2d' || prev === 'batchnorm' || prev === 'residual';
        if (foldable && last && 'act' in last && last.dst === cur.buf && last.act === 0) {
          last.act = 1;
          break;
        }
        const out: Value = { buf: c.buffer(cur.shape), shape: cur.shape };
        c.emit({ op: 'relu', src: cur.buf, dst: out.buf });
        cur = out;
        break;
      }
      case 'maxpool':
      case 'avgpool': {
        const [channels, h, w] = spatial();
        const [kh, kw] = pair(layer.kernel);
        const [sh, sw] = pair(layer.stride ?? layer.kernel);
        const [ph, pw] = pair(layer.padding ?? 0);
        if (2 * ph > kh || 2 * pw > kw) badShape(where, `padding (${ph}, ${pw}) must be at most half the window (${kh}, ${kw})`);
        const shape = [channels, windowOut(where, h, kh, sh, ph), windowOut(where, w, kw, sw, pw)];
        const out: Value = { buf: c.buffer(shape), shape };
        c.emit({ op: layer.type, src: cur.buf, dst: out.buf, c: channels, h, w, kh, kw, sh, sw, ph, pw });
        cur = out;
        break;
      }
      case 'flatten':
        // Not an op: NCHW within a sample is already flat.
        cur = { buf: cur.buf, shape: [cur.shape.reduce((a, b) => a * b, 1)] };
        break;
      case 'dropout': {
        const out: Value = { buf: c.buffer(cur.shape), shape: cur.shape };
        c.emit({ op: 'dropout', src: cur.buf, dst: out.buf, p: Math.fround(layer.p) });
        cur = out;
        break;
      }
      case 'residual': {
        const body = compileLayers(c, layer.body, cur, `${path}.body.`, owner);
        const shortcut = layer.shortcut && layer.shortcut.length > 0
          ? compileLayers(c, layer.shortcut, cur, `${path}.shortcut.`, owner)
          : cur;
        if (describe(body.shape) !== describe(shortcut.shape)) {
          badShape(where, `body gives ${describe(body.shape)} but the shortcut gives ${describe(shortcut.shape)}; add a shortcut that matches (e.g. 1x1 conv2d + batchnorm)`);
        }
        const out: Value = { buf: c.buffer(body.shape), shape: body.shape };
        c.emit({ op: 'add', src: body.buf, dst: out.buf, src2: shortcut.buf, act: 0 });
        cur = out;
        break;
      }
    }
  });
  return cur;
}

/** Compiles an arch into plan words and the θ layout (BAD_ARGUMENT / BAD_SHAPE naming the layer). */
export function compileArch(arch: Arch): CompiledArch {
  validateArch(arch);
  const c = new Compiler();
  const input: Value = { buf: c.buffer(arch.input), shape: [...arch.input] };
  const out = compileLayers(c, arch.layers, input, '', null);
  if (out.shape.length !== 1 || out.shape[0] !== arch.classes) {
    const hint = out.shape.length === 3 ? '; end with flatten and a dense layer' : '';
    throw new ModeconnError('BAD_SHAPE', `arch: the last layer gives ${describe(out.shape)}, expected [${arch.classes}] logits (classes)${hint}`);
  }
  if (out.buf === 0) throw new ModeconnError('BAD_ARGUMENT', 'arch: no layer computes anything (the output is the input)');
  const { P, total, layout } = c.finish();
  const plan: Plan = { P, total, classes: arch.classes, outBuf: out.buf, bufferSizes: c.bufferSizes, ops: c.ops };
  const words = encodePlan(plan);
  decodePlan(words); // the compiler's output must satisfy the executors' checks
  return { words, layout, paramCount: P, totalLength: total, classes: arch.classes, inputSize: c.bufferSizes[0], bufferSizes: [...c.bufferSizes] };
}
