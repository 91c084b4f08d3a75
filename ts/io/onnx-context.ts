/**
 * What the ONNX layer converters share: the import context (values, activation uses, visited nodes,
 * tensors owned by each layer), typed attribute readers, constant inputs checked for rank and size,
 * and the typed errors that name the node (UNSUPPORTED_OP with the supported op list, BAD_SHAPE).
 */
import { ModeconnError } from '../errors.js';
import type { Layer, Size2 } from '../model/arch.js';
import { nodeLabel, type AttrValue, type ConstTensor, type GraphNode } from './onnx-graph.js';
import type { GraphValues } from './onnx-values.js';

/** The ops the importer understands: layers, then constant and shape arithmetic (Transpose of constants only). */
export const ONNX_IMPORT_OPS: readonly string[] = [
  'Gemm', 'MatMul', 'Add', 'Conv', 'BatchNormalization', 'Relu', 'MaxPool', 'AveragePool', 'GlobalAveragePool',
  'ReduceMean', 'Pad', 'Flatten', 'Reshape', 'Dropout', 'Identity', 'Constant', 'Shape', 'Gather', 'Unsqueeze',
  'Squeeze', 'Concat', 'Cast', 'Transpose',
];

/** An activation: its value name and per-sample shape. */
export interface Cursor { value: string; shape: number[] }

/** What the converters need: values, data uses, the tensors each layer owns, the visited nodes. */
export interface ImportContext {
  file: string;
  opset: number;
  values: GraphValues;
  /** Nodes that read `value` as an activation (shape arithmetic excluded). */
  uses(value: string): GraphNode[];
  /** True when any node (shape arithmetic included) reads `value`. */
  isRead(value: string): boolean;
  owned: Map<Layer, Record<string, Float32Array>>;
  visited: Set<GraphNode>;
}

/** UNSUPPORTED_OP naming the node, with the supported list as advice. */
export function unsupported(ctx: { file: string }, node: GraphNode, why: string): never {
  throw new ModeconnError('UNSUPPORTED_OP', `${ctx.file}: ${nodeLabel(node)}: ${why}`, {
    advice: `modeconn imports ${ONNX_IMPORT_OPS.join(', ')} (docs/ONNX.md)`,
  });
}

/** BAD_SHAPE naming the node. */
export function badShape(ctx: { file: string }, node: GraphNode, problem: string): never {
  throw new ModeconnError('BAD_SHAPE', `${ctx.file}: ${nodeLabel(node)}: ${problem}`);
}

/** An attribute checked for its kind (BAD_FILE otherwise), or undefined when absent. */
export function attr(ctx: ImportContext, node: GraphNode, name: string, kind: 'int' | 'float' | 'ints' | 'string'): AttrValue | undefined {
  const v = node.attrs.get(name);
  if (v === undefined) return undefined;
  const ok = kind === 'int' ? Number.isInteger(v) : kind === 'float' ? typeof v === 'number' : kind === 'ints' ? Array.isArray(v) : typeof v === 'string';
  if (!ok) throw new ModeconnError('BAD_FILE', `${ctx.file}: ${nodeLabel(node)}: attribute "${name}" must be ${kind === 'ints' ? 'a list of ints' : `a${kind === 'int' ? 'n' : ''} ${kind}`}`);
  return v;
}
/** An int attribute, or `dflt` when absent. */
export const int = (ctx: ImportContext, node: GraphNode, name: string, dflt: number) => (attr(ctx, node, name, 'int') as number | undefined) ?? dflt;
/** A float attribute, or `dflt` when absent. */
export const float = (ctx: ImportContext, node: GraphNode, name: string, dflt: number) => (attr(ctx, node, name, 'float') as number | undefined) ?? dflt;
/** An ints attribute, or `dflt` when absent. */
export const ints = (ctx: ImportContext, node: GraphNode, name: string, dflt: number[]) => (attr(ctx, node, name, 'ints') as number[] | undefined) ?? dflt;
/** A string attribute, or `dflt` when absent. */
export const str = (ctx: ImportContext, node: GraphNode, name: string, dflt: string) => (attr(ctx, node, name, 'string') as string | undefined) ?? dflt;

/** The float constant at input `k` of `node`, with `rank` dims (UNSUPPORTED_OP when it is computed). */
export function floatInput(ctx: ImportContext, node: GraphNode, k: number, what: string, rank: number): ConstTensor & { kind: 'float' } {
  const name = node.inputs[k];
  const c = name ? ctx.values.constant(name) : undefined;
  if (!c) unsupported(ctx, node, `its ${what} (input ${k}${name ? ` "${name}"` : ''}) must be an initialiser or constant`);
  if (c.kind !== 'float') unsupported(ctx, node, `its ${what} "${name}" is an integer tensor; floats expected`);
  if (c.dims.length !== rank) badShape(ctx, node, `${what} "${name}" has shape [${c.dims.join(', ')}]; a rank-${rank} tensor is expected`);
  return c;
}

/** A per-channel vector of length `n` (shape [n], or [1, n] for a Gemm bias). */
export function vectorInput(ctx: ImportContext, node: GraphNode, k: number, what: string, n: number): Float32Array {
  const name = node.inputs[k];
  const c = ctx.values.constant(name);
  if (!c || c.kind !== 'float') unsupported(ctx, node, `its ${what} (input ${k} "${name}") must be a float initialiser or constant`);
  const size = c.data.length;
  if (size !== n || c.dims.filter((d) => d !== 1).length > 1) {
    badShape(ctx, node, `${what} "${name}" has shape [${c.dims.join(', ')}]; [${n}] is expected`);
  }
  return c.data;
}

/** `[rows, cols]` → `[cols, rows]`. */
export function transpose(data: Float32Array, rows: number, cols: number): Float32Array {
  const out = new Float32Array(data.length);
  for (let r = 0; r < rows; r++) for (let c = 0; c < cols; c++) out[c * rows + r] = data[r * cols + c];
  return out;
}

/** The shortest decimal that is the same float32 (1e-5, not 9.999999747378752e-6). */
export function shortestF32(x: number): number {
  for (let p = 1; p < 10; p++) {
    const v = Number(x.toPrecision(p));
    if (Math.fround(v) === Math.fround(x)) return v;
  }
  return x;
}

/** PyTorch's momentum m for ONNX's float32 1 − m: the shortest decimal that writes back the same attribute. */
export function torchMomentum(onnx: number): number {
  for (let p = 1; p < 10; p++) {
    const m = Number((1 - onnx).toPrecision(p));
    if (Math.fround(1 - m) === Math.fround(onnx)) return m;
  }
  return 1 - onnx;
}

/** `h` when square, else `[h, w]`: how an arch spells a window. */
export const size2 = (h: number, w: number): Size2 => (h === w ? h : [h, w]);
/** Output size of a window: floor((n + 2p − k) / s) + 1. */
export const windowOut = (n: number, k: number, s: number, p: number) => Math.floor((n + 2 * p - k) / s) + 1;

/** The `[c, h, w]` of the activation (BAD_SHAPE when it is flat). */
export function needImage(ctx: ImportContext, node: GraphNode, cur: Cursor): [number, number, number] {
  if (cur.shape.length !== 3) badShape(ctx, node, `needs an image [c, h, w] per sample, got [${cur.shape.join(', ')}]`);
  return cur.shape as [number, number, number];
}

/** The feature count of a flat activation (BAD_SHAPE when it is an image). */
export function needFlat(ctx: ImportContext, node: GraphNode, cur: Cursor): number {
  if (cur.shape.length !== 1) badShape(ctx, node, `needs a flat input [features] per sample, got [${cur.shape.join(', ')}]`);
  return cur.shape[0];
}
