/**
 * ONNX bytes → a checked graph: one float input `[batch, ...sample]`, one output, the nodes in file
 * order with their attributes, and the initialisers decoded to Float32Array (FLOAT/DOUBLE/FLOAT16) or
 * integer arrays (INT64/INT32). Every length, name and reference is validated here (BAD_FILE naming
 * the file, the node or the tensor), so the importer works on values it can trust.
 */
import { ModeconnError } from '../errors.js';
import { f16ToNumber } from './half.js';
import {
  AttributeType, DataType, int64ToNumber, type OnnxAttributeMsg, type OnnxCodec, type OnnxModelMsg, type OnnxNodeMsg, type OnnxTensorMsg, type OnnxValueInfoMsg,
} from './onnx-schema.js';

/** A constant tensor: floats or integers, row-major with `dims`. */
export type ConstTensor =
  | { kind: 'float'; dims: number[]; data: Float32Array; fromNode: boolean }
  | { kind: 'int'; dims: number[]; data: number[]; fromNode: boolean };

/** A decoded attribute value (only the kinds the supported ops use). */
export type AttrValue = number | number[] | string | ConstTensor;

/** One node: op type, a readable name, input and output value names ('' for an omitted optional input). */
export interface GraphNode {
  opType: string;
  name: string;
  inputs: string[];
  outputs: string[];
  attrs: Map<string, AttrValue>;
}

/** A model file's graph, checked. */
export interface OnnxGraph {
  file: string;
  /** Default-domain opset version. */
  opset: number;
  inputName: string;
  /** Per-sample input shape: `[features]` or `[c, h, w]`. */
  inputShape: number[];
  outputName: string;
  nodes: GraphNode[];
  initializers: Map<string, ConstTensor>;
  metadata: Map<string, string>;
}

/** Options of the parsers: the name errors use for the file. */
export interface ParseOnnxOptions {
  name?: string;
}

const MAX_ELEMENTS = 2 ** 31;

function bad(file: string, problem: string, advice?: string): never {
  throw new ModeconnError('BAD_FILE', `${file}: ${problem}`, { advice });
}

/** A node's readable identity for messages: `Conv node "/0/Conv"` (or its index when unnamed). */
export function nodeLabel(node: { opType: string; name: string }): string {
  return `${node.opType} node "${node.name}"`;
}

/** Decodes and checks ONNX bytes (BAD_FILE for anything malformed, UNSUPPORTED_OP for foreign domains). */
export function readOnnxGraph(codec: OnnxCodec, bytes: Uint8Array, options: ParseOnnxOptions = {}): OnnxGraph {
  const file = options.name ?? 'ONNX data';
  if (!(bytes instanceof Uint8Array)) throw new ModeconnError('BAD_ARGUMENT', `${file}: expected the file's bytes as a Uint8Array`);
  if (bytes.length === 0) bad(file, 'the file is empty');
  let model: OnnxModelMsg;
  try {
    model = codec.decode(bytes);
  } catch (cause) {
    const why = cause instanceof Error ? cause.message : String(cause);
    throw new ModeconnError('BAD_FILE', `${file}: not a valid ONNX protobuf (${why})`, { advice: 'is the file complete and an .onnx model?', cause });
  }
  const graph = model.graph;
  if (!graph) bad(file, 'the model has no graph (is this an ONNX ModelProto?)');
  let opset = 0;
  for (const o of model.opsetImport) {
    if (o.domain === '' || o.domain === 'ai.onnx') opset = Math.max(opset, int64ToNumber(o.version, 'opset version', file));
  }
  if (opset === 0) bad(file, 'the model imports no version of the default ONNX operator set');
  if (opset < 7 || opset > 22) {
    throw new ModeconnError('UNSUPPORTED_OP', `${file}: opset ${opset} is outside the supported range 7..22`, {
      advice: 'export with opset_version=13 (any of 7..22 works)',
    });
  }
  const initializers = new Map<string, ConstTensor>();
  for (const t of graph.initializer) {
    if (!t.name) bad(file, 'an initialiser has no name');
    if (initializers.has(t.name)) bad(file, `two initialisers are named "${t.name}"`);
    initializers.set(t.name, decodeTensor(t, file, `initialiser "${t.name}"`, false));
  }
  if (graph.sparseInitializer.length > 0) {
    throw new ModeconnError('UNSUPPORTED_OP', `${file}: sparse initialisers are not supported`);
  }
  const dataInputs = graph.input.filter((v) => !initializers.has(v.name));
  if (dataInputs.length !== 1) {
    bad(file, `the graph has ${dataInputs.length} inputs besides its initialisers (${dataInputs.map((v) => `"${v.name}"`).join(', ')}); modeconn models take one`);
  }
  if (graph.output.length !== 1) bad(file, `the graph has ${graph.output.length} outputs; modeconn models give one (the logits)`);
  const input = dataInputs[0];
  const inputShape = readInputShape(input, file);
  const defined = new Set<string>([input.name, ...initializers.keys()]);
  const nodes: GraphNode[] = graph.node.map((n, index) => {
    const node = readNode(n, index, file);
    for (const v of node.inputs) {
      if (v !== '' && !defined.has(v)) {
        bad(file, `${nodeLabel(node)} reads "${v}", which no earlier node, initialiser or graph input defines`, 'nodes must be in topological order');
      }
    }
    for (const v of node.outputs) {
      if (v === '') continue;
      if (defined.has(v)) bad(file, `${nodeLabel(node)} writes "${v}", which is already defined`);
      defined.add(v);
    }
    return node;
  });
  const outputName = graph.output[0].name;
  if (!defined.has(outputName)) bad(file, `the graph output "${outputName}" is not computed by any node`);
  const metadata = new Map(model.metadataProps.map((p) => [p.key, p.value]));
  return { file, opset, inputName: input.name, inputShape, outputName, nodes, initializers, metadata };
}

function readInputShape(input: OnnxValueInfoMsg, file: string): number[] {
  const tensorType = input.type?.tensorType;
  const where = `graph input "${input.name}"`;
  if (!tensorType) bad(file, `${where} is not a tensor`);
  if (tensorType.elemType !== DataType.FLOAT) {
    throw new ModeconnError('UNSUPPORTED_OP', `${file}: ${where} has element type ${tensorType.elemType}; modeconn models take float32 (1)`);
  }
  const dims = tensorType.shape?.dim ?? [];
  if (dims.length !== 2 && dims.length !== 4) {
    throw new ModeconnError('UNSUPPORTED_OP', `${file}: ${where} has rank ${dims.length}; modeconn takes [batch, features] or [batch, c, h, w]`);
  }
  return dims.slice(1).map((d, i) => {
    const v = d.dimParam ? 0 : int64ToNumber(d.dimValue, `dimension ${i + 1} of ${where}`, file);
    if (!(v >= 1 && v <= 0x7fffffff)) bad(file, `${where}: dimension ${i + 1} must be a fixed positive size, got ${d.dimParam ? `"${d.dimParam}"` : v}`);
    return v;
  });
}

function readNode(n: OnnxNodeMsg, index: number, file: string): GraphNode {
  const node: GraphNode = { opType: n.opType, name: n.name || `#${index}`, inputs: [...n.input], outputs: [...n.output], attrs: new Map() };
  if (!n.opType) bad(file, `node ${node.name} has no op_type`);
  if (n.domain !== '' && n.domain !== 'ai.onnx') {
    throw new ModeconnError('UNSUPPORTED_OP', `${file}: ${nodeLabel(node)} is in domain "${n.domain}"; only the default ONNX domain is supported`);
  }
  if (n.output.length === 0) bad(file, `${nodeLabel(node)} has no outputs`);
  for (const a of n.attribute) {
    if (node.attrs.has(a.name)) bad(file, `${nodeLabel(node)} has two attributes named "${a.name}"`);
    node.attrs.set(a.name, readAttribute(a, file, `${nodeLabel(node)} attribute "${a.name}"`));
  }
  return node;
}

function readAttribute(a: OnnxAttributeMsg, file: string, where: string): AttrValue {
  if (a.refAttrName) bad(file, `${where} refers to a function attribute (not valid in a main graph)`);
  switch (a.type) {
    case AttributeType.FLOAT: return a.f;
    case AttributeType.INT: return int64ToNumber(a.i, where, file);
    case AttributeType.STRING: return new TextDecoder().decode(a.s);
    case AttributeType.FLOATS: return [...a.floats];
    case AttributeType.INTS: return a.ints.map((v) => int64ToNumber(v, where, file));
    case AttributeType.TENSOR:
      if (!a.t) bad(file, `${where} is a tensor attribute without a tensor`);
      return decodeTensor(a.t, file, where, true);
    default:
      // Graph, string-list and sparse attributes belong to ops modeconn does not support; the op check names the node.
      return Number.NaN;
  }
}

const littleEndianHost = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1;

/** A TensorProto's values, checked against its dims (BAD_FILE on any disagreement). */
export function decodeTensor(t: OnnxTensorMsg, file: string, where: string, fromNode: boolean): ConstTensor {
  if (t.dataLocation === 1 || t.externalData.length > 0) {
    throw new ModeconnError('NOT_SUPPORTED', `${file}: ${where} keeps its data in an external file`, {
      advice: 'export without external data (torch.onnx.export does so for models under 2 GB)',
    });
  }
  const dims = t.dims.map((d) => int64ToNumber(d, `a dimension of ${where}`, file));
  let count = 1;
  for (const d of dims) {
    if (d < 0) bad(file, `${where} has a negative dimension in [${dims.join(', ')}]`);
    count *= d;
  }
  if (count > MAX_ELEMENTS) bad(file, `${where} declares ${count} elements, more than the reader's limit of ${MAX_ELEMENTS}`);
  const raw = t.rawData;
  const width = { [DataType.FLOAT]: 4, [DataType.DOUBLE]: 8, [DataType.FLOAT16]: 2, [DataType.INT64]: 8, [DataType.INT32]: 4 }[t.dataType];
  if (width === undefined) {
    throw new ModeconnError('UNSUPPORTED_OP', `${file}: ${where} has data type ${t.dataType}; supported: FLOAT (1), DOUBLE (11), FLOAT16 (10), INT64 (7), INT32 (6)`);
  }
  const typed = { [DataType.FLOAT]: t.floatData, [DataType.DOUBLE]: t.doubleData, [DataType.FLOAT16]: t.int32Data, [DataType.INT64]: t.int64Data, [DataType.INT32]: t.int32Data }[t.dataType]!;
  if (raw.length > 0 && typed.length > 0) bad(file, `${where} has both raw_data and typed data`);
  const available = raw.length > 0 ? raw.length / width : typed.length;
  if (available !== count) {
    const got = raw.length > 0 ? `${raw.length} bytes of raw_data` : `${typed.length} values`;
    bad(file, `${where} has dims [${dims.join(', ')}] (${count} elements) but ${got}${raw.length > 0 ? ` (${count * width} expected)` : ''}`);
  }
  const view = new DataView(raw.buffer, raw.byteOffset, raw.byteLength);
  const useRaw = raw.length > 0;
  switch (t.dataType) {
    case DataType.FLOAT: {
      let data: Float32Array;
      if (!useRaw) data = Float32Array.from(typed as number[]);
      // new Uint8Array(raw) copies: protobufjs may hand out a Buffer view into the whole file.
      else if (littleEndianHost) data = new Float32Array(new Uint8Array(raw).buffer);
      else data = Float32Array.from({ length: count }, (_, i) => view.getFloat32(4 * i, true));
      return { kind: 'float', dims, data, fromNode };
    }
    case DataType.DOUBLE:
      return { kind: 'float', dims, data: Float32Array.from({ length: count }, (_, i) => (useRaw ? view.getFloat64(8 * i, true) : (typed as number[])[i])), fromNode };
    case DataType.FLOAT16:
      return { kind: 'float', dims, data: Float32Array.from({ length: count }, (_, i) => f16ToNumber(useRaw ? view.getUint16(2 * i, true) : (typed as number[])[i] & 0xffff)), fromNode };
    case DataType.INT32:
      return { kind: 'int', dims, data: Array.from({ length: count }, (_, i) => (useRaw ? view.getInt32(4 * i, true) : (typed as number[])[i])), fromNode };
    default:
      return {
        kind: 'int', dims, fromNode,
        data: Array.from({ length: count }, (_, i) => {
          if (!useRaw) return int64ToNumber((t.int64Data)[i], `element ${i} of ${where}`, file);
          const v = view.getBigInt64(8 * i, true);
          if (v > BigInt(Number.MAX_SAFE_INTEGER) || v < BigInt(Number.MIN_SAFE_INTEGER)) bad(file, `element ${i} of ${where} is ${v}, not a safe integer`);
          return Number(v);
        }),
      };
  }
}
