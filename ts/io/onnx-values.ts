/**
 * Values of an ONNX graph that are not activations: constants (initialisers, Constant nodes and
 * Identity/Cast of them) and the small integer vectors that exporters compute from `Shape` for
 * `x.view(x.size(0), -1)` (Shape → Gather → Unsqueeze → Concat → Reshape). Shape vectors are
 * evaluated symbolically: the batch dimension stays the symbol 'batch', the rest are numbers.
 */
import { ModeconnError } from '../errors.js';
import { nodeLabel, type ConstTensor, type GraphNode, type OnnxGraph } from './onnx-graph.js';

/** Ops that only compute constants or shape vectors: never layers, never a use of an activation. */
export const SHAPE_OPS: ReadonlySet<string> = new Set(['Constant', 'Shape', 'Gather', 'Unsqueeze', 'Squeeze', 'Concat', 'Cast']);

/** Exporters compute a reshape target in a handful of nodes; a deeper chain is not one of theirs. */
const MAX_SHAPE_DEPTH = 64;

/** A symbolic integer scalar (rank 0) or vector (rank 1). */
export interface SymbolicInts { rank: 0 | 1; values: Array<number | 'batch'> }

/** Constants and shape vectors of one graph, evaluated on demand and memoised. */
export class GraphValues {
  readonly graph: OnnxGraph;
  readonly producers = new Map<string, GraphNode>();
  /** Per-sample shapes of the activations the importer has reached (Shape reads them). */
  readonly shapes = new Map<string, number[]>();
  readonly #constants = new Map<string, ConstTensor>();

  constructor(graph: OnnxGraph) {
    this.graph = graph;
    for (const node of graph.nodes) for (const out of node.outputs) if (out) this.producers.set(out, node);
    this.#evaluateConstants();
  }

  /** The constant tensor named `name`, or undefined when it is computed from the input. */
  constant(name: string): ConstTensor | undefined {
    return this.#constants.get(name);
  }

  /** Evaluates the constant-producing nodes in file (topological) order: no recursion however long the chain. */
  #evaluateConstants(): void {
    for (const [name, t] of this.graph.initializers) this.#constants.set(name, t);
    for (const node of this.graph.nodes) {
      const value = this.#evaluate(node);
      if (value && node.outputs[0]) this.#constants.set(node.outputs[0], value);
    }
  }

  #evaluate(node: GraphNode): ConstTensor | undefined {
    if (node.opType === 'Identity' || node.opType === 'Cast') return this.constant(node.inputs[0]);
    if (node.opType === 'Transpose') return this.#transpose(node);
    if (node.opType !== 'Constant') return undefined;
    const value = node.attrs.get('value');
    if (value !== undefined && typeof value === 'object' && !Array.isArray(value)) return { ...value, fromNode: true };
    const f = node.attrs.get('value_float');
    if (typeof f === 'number') return { kind: 'float', dims: [], data: Float32Array.of(f), fromNode: true };
    const fs = node.attrs.get('value_floats');
    if (Array.isArray(fs)) return { kind: 'float', dims: [fs.length], data: Float32Array.from(fs), fromNode: true };
    const i = node.attrs.get('value_int');
    if (typeof i === 'number' && Number.isInteger(i)) return { kind: 'int', dims: [], data: [i], fromNode: true };
    const is = node.attrs.get('value_ints');
    if (Array.isArray(is)) return { kind: 'int', dims: [is.length], data: is, fromNode: true };
    throw new ModeconnError('UNSUPPORTED_OP', `${this.graph.file}: ${nodeLabel(node)} holds no tensor, float or int value that modeconn reads`);
  }

  /** A transposed 2-D constant (unfolded exports write a bias-free Linear as Transpose + MatMul). */
  #transpose(node: GraphNode): ConstTensor | undefined {
    const c = this.constant(node.inputs[0]);
    if (!c) return undefined;
    const perm = node.attrs.get('perm') ?? [1, 0];
    if (c.kind !== 'float' || c.dims.length !== 2 || !Array.isArray(perm) || perm[0] !== 1 || perm[1] !== 0) {
      throw new ModeconnError('UNSUPPORTED_OP', `${this.graph.file}: ${nodeLabel(node)}: only a 2-D float constant can be transposed`);
    }
    const [rows, cols] = c.dims;
    const data = new Float32Array(c.data.length);
    for (let r = 0; r < rows; r++) for (let k = 0; k < cols; k++) data[k * rows + r] = c.data[r * cols + k];
    return { kind: 'float', dims: [cols, rows], data, fromNode: c.fromNode };
  }

  /** True when `name` is a constant (not computed from the input). */
  isConstant(name: string): boolean {
    return this.constant(name) !== undefined;
  }

  /** `name` as a symbolic integer scalar or vector, or undefined when it is not one. */
  ints(name: string, depth = 0): SymbolicInts | undefined {
    if (depth > MAX_SHAPE_DEPTH) {
      throw new ModeconnError('UNSUPPORTED_OP', `${this.graph.file}: the shape computation that ends in "${name}" is more than ${MAX_SHAPE_DEPTH} nodes deep`);
    }
    const c = this.constant(name);
    if (c) return c.kind === 'int' && c.dims.length <= 1 ? { rank: c.dims.length as 0 | 1, values: [...c.data] } : undefined;
    const node = this.producers.get(name);
    if (!node) return undefined;
    const arg = (k: number) => (node.inputs[k] ? this.ints(node.inputs[k], depth + 1) : undefined);
    const axesOf = (): number[] | undefined => {
      const attr = node.attrs.get('axes');
      if (Array.isArray(attr)) return attr as number[];
      const input = arg(1);
      return input && input.values.every((v) => typeof v === 'number') ? (input.values as number[]) : undefined;
    };
    switch (node.opType) {
      case 'Identity':
      case 'Cast':
        return arg(0);
      case 'Shape': {
        const shape = this.shapes.get(node.inputs[0]);
        if (!shape) return undefined;
        const full: Array<number | 'batch'> = ['batch', ...shape];
        const start = node.attrs.get('start');
        const end = node.attrs.get('end');
        return { rank: 1, values: full.slice(typeof start === 'number' ? start : 0, typeof end === 'number' ? end : undefined) };
      }
      case 'Gather': {
        const data = arg(0);
        const indices = this.constant(node.inputs[1]);
        const axis = node.attrs.get('axis') ?? 0;
        if (!data || data.rank !== 1 || !indices || indices.kind !== 'int' || indices.dims.length > 1 || axis !== 0) return undefined;
        const picked = indices.data.map((k) => data.values[k < 0 ? k + data.values.length : k]);
        if (picked.some((v) => v === undefined)) return undefined;
        return { rank: indices.dims.length as 0 | 1, values: picked };
      }
      case 'Unsqueeze': {
        const data = arg(0);
        const axes = axesOf();
        return data && data.rank === 0 && axes?.length === 1 && (axes[0] === 0 || axes[0] === -1) ? { rank: 1, values: data.values } : undefined;
      }
      case 'Squeeze': {
        const data = arg(0);
        const axes = axesOf() ?? [0];
        return data && data.rank === 1 && data.values.length === 1 && axes.length === 1 && (axes[0] === 0 || axes[0] === -1)
          ? { rank: 0, values: data.values }
          : undefined;
      }
      case 'Concat': {
        const parts = node.inputs.map((v) => this.ints(v, depth + 1));
        if ((node.attrs.get('axis') ?? 0) !== 0 || parts.some((p) => !p || p.rank !== 1)) return undefined;
        return { rank: 1, values: parts.flatMap((p) => p!.values) };
      }
      default:
        return undefined;
    }
  }
}
