/**
 * An ONNX graph → a modeconn model: the activations are walked from the input to the output; a
 * value read by one node continues the chain, a value read by two nodes opens a residual block whose
 * branches must meet at one Add (output = body(x) + shortcut(x), the body being the Add's first
 * input unless that branch is empty). θ is filled by name from compileArch(arch).layout.
 */
import { ModeconnError } from '../errors.js';
import type { Arch, Layer } from '../model/arch.js';
import { compileArch, type CompiledArch } from '../model/compile.js';
import type { Model } from '../model/model.js';
import { nodeLabel, type GraphNode, type OnnxGraph } from './onnx-graph.js';
import { convertNode, unsupported, type Cursor, type ImportContext } from './onnx-layers.js';
import { GraphValues, SHAPE_OPS } from './onnx-values.js';

/** The metadata key under which modeconn's exporter stores the arch as JSON (it spells defaults the user's way). */
export const ONNX_ARCH_KEY = 'modeconn.arch';

/** Residual blocks inside residual blocks: far beyond any real network, well within the call stack. */
const MAX_NESTING = 100;

interface Walk { layers: Layer[]; cursor: Cursor; join?: GraphNode }

/** A node that only computes constants or shapes, never an activation. */
function isArithmetic(values: GraphValues, node: GraphNode): boolean {
  return SHAPE_OPS.has(node.opType) || ((node.opType === 'Identity' || node.opType === 'Transpose') && values.isConstant(node.inputs[0]));
}

function makeContext(graph: OnnxGraph): ImportContext {
  const values = new GraphValues(graph);
  const uses = new Map<string, GraphNode[]>();
  const read = new Set<string>();
  for (const node of graph.nodes) {
    for (const v of node.inputs) read.add(v);
    if (isArithmetic(values, node)) continue;
    // Add joins two activations; every other op reads its activation as input 0.
    const slots = node.opType === 'Add' ? [0, 1] : [0];
    for (const k of slots) {
      const v = node.inputs[k];
      if (!v || values.isConstant(v)) continue;
      if (!uses.has(v)) uses.set(v, []);
      uses.get(v)!.push(node);
    }
  }
  return {
    file: graph.file, opset: graph.opset, values, owned: new Map(), visited: new Set(),
    uses: (value) => uses.get(value) ?? [], isRead: (value) => read.has(value),
  };
}

const isJoin = (ctx: ImportContext, node: GraphNode) =>
  node.opType === 'Add' && node.inputs.length === 2 && node.inputs.every((v) => v && !ctx.values.isConstant(v));

/** Follows the chain from `start` until the graph output or an Add that joins it with another branch. */
function walk(ctx: ImportContext, start: Cursor, graph: OnnxGraph, depth = 0): Walk {
  const layers: Layer[] = [];
  let cur = start;
  for (;;) {
    ctx.values.shapes.set(cur.value, cur.shape);
    if (cur.value === graph.outputName) return { layers, cursor: cur };
    const uses = ctx.uses(cur.value);
    if (uses.length === 0) {
      throw new ModeconnError('BAD_FILE', `${graph.file}: value "${cur.value}" is read by no node and is not the graph output "${graph.outputName}"`);
    }
    if (uses.length === 1 && isJoin(ctx, uses[0])) return { layers, cursor: cur, join: uses[0] };
    if (uses.length === 1) {
      const step = convertNode(ctx, uses[0], cur);
      layers.push(...step.layers);
      cur = step.cursor;
    } else if (uses.length === 2) {
      const block = residual(ctx, cur, uses as [GraphNode, GraphNode], graph, depth);
      layers.push(block.layer);
      cur = block.cursor;
    } else {
      unsupported(ctx, uses[2], `value "${cur.value}" is read by ${uses.length} nodes (${uses.map(nodeLabel).join(', ')}); only residual blocks (two branches joined by an Add) are supported`);
    }
  }
}

/** The block that starts at `x` (read by two nodes): both branches, joined by their Add. */
function residual(ctx: ImportContext, x: Cursor, uses: [GraphNode, GraphNode], graph: OnnxGraph, depth: number): { layer: Layer; cursor: Cursor } {
  if (depth > MAX_NESTING) unsupported(ctx, uses[0], `residual blocks are nested more than ${MAX_NESTING} deep`);
  const branch = (node: GraphNode): Walk => {
    if (isJoin(ctx, node)) return { layers: [], cursor: x, join: node };
    const first = convertNode(ctx, node, x);
    const rest = walk(ctx, first.cursor, graph, depth + 1);
    return { ...rest, layers: [...first.layers, ...rest.layers] };
  };
  const a = branch(uses[0]);
  const b = branch(uses[1]);
  if (!a.join || a.join !== b.join) {
    unsupported(ctx, uses[1], `value "${x.value}" feeds two branches that do not meet at one Add; only residual blocks are supported`);
  }
  const add = a.join;
  let [body, shortcut] = a.cursor.value === add.inputs[0] ? [a, b] : [b, a];
  if (body.layers.length === 0) [body, shortcut] = [shortcut, body];
  if (body.layers.length === 0) unsupported(ctx, add, `adds "${x.value}" to itself`);
  if (body.cursor.shape.join() !== shortcut.cursor.shape.join()) {
    throw new ModeconnError('BAD_SHAPE', `${graph.file}: ${nodeLabel(add)} adds [${body.cursor.shape.join(', ')}] and [${shortcut.cursor.shape.join(', ')}]`);
  }
  ctx.visited.add(add);
  const layer: Layer = shortcut.layers.length > 0
    ? { type: 'residual', body: body.layers, shortcut: shortcut.layers }
    : { type: 'residual', body: body.layers };
  return { layer, cursor: { value: add.outputs[0], shape: body.cursor.shape } };
}

/** Every owned tensor under its state_dict name (`3.body.0.weight`), as compileArch names it. */
function nameTensors(ctx: ImportContext, layers: Layer[], prefix: string, out: Map<string, Float32Array>): void {
  layers.forEach((layer, j) => {
    const path = `${prefix}${j}`;
    for (const [suffix, data] of Object.entries(ctx.owned.get(layer) ?? {})) out.set(`${path}.${suffix}`, data);
    if (layer.type === 'residual') {
      nameTensors(ctx, layer.body, `${path}.body.`, out);
      nameTensors(ctx, layer.shortcut ?? [], `${path}.shortcut.`, out);
    }
  });
}

/** The stored arch when it compiles to exactly the graph's plan and layout (same function, the user's spelling). */
function storedArch(graph: OnnxGraph, compiled: CompiledArch): Arch | undefined {
  const text = graph.metadata.get(ONNX_ARCH_KEY);
  if (text === undefined) return undefined;
  try {
    const arch = JSON.parse(text) as Arch;
    const c = compileArch(arch);
    const same = c.words.length === compiled.words.length && c.words.every((w, i) => w === compiled.words[i])
      && c.layout.every((e, i) => e.name === compiled.layout[i]?.name) && c.layout.length === compiled.layout.length;
    return same ? arch : undefined;
  } catch {
    return undefined; // metadata is only a spelling hint: the graph is the truth
  }
}

/** Converts a checked ONNX graph into `{ arch, params }` (UNSUPPORTED_OP naming the first node it cannot express). */
export function modelFromOnnxGraph(graph: OnnxGraph): Model {
  const ctx = makeContext(graph);
  const top = walk(ctx, { value: graph.inputName, shape: graph.inputShape }, graph);
  if (top.join) unsupported(ctx, top.join, 'joins two values that do not branch from one activation');
  const leftover = graph.nodes.find((n) => !ctx.visited.has(n) && !isArithmetic(ctx.values, n));
  if (leftover) unsupported(ctx, leftover, 'is not on the path from the input to the output');
  const end = top.cursor.shape;
  if (end.length !== 1) {
    throw new ModeconnError('BAD_SHAPE', `${graph.file}: the output "${graph.outputName}" is [N, ${end.join(', ')}] per batch; modeconn models end in [N, classes] logits`);
  }
  const graphArch: Arch = { input: [...graph.inputShape], classes: end[0], layers: top.layers };
  let compiled: CompiledArch;
  try {
    compiled = compileArch(graphArch);
  } catch (cause) {
    if (!(cause instanceof ModeconnError)) throw cause;
    throw new ModeconnError(cause.code, `${graph.file}: the graph's architecture is not valid: ${cause.message}`, { cause });
  }
  const arch = storedArch(graph, compiled) ?? graphArch;
  const tensors = new Map<string, Float32Array>();
  nameTensors(ctx, top.layers, '', tensors);
  const params = new Float32Array(compiled.totalLength);
  for (const e of compiled.layout) {
    if (e.kind === 'counter') continue;
    const data = tensors.get(e.name);
    if (!data || data.length !== e.length) {
      throw new ModeconnError('BAD_SHAPE', `${graph.file}: tensor "${e.name}" has ${data?.length ?? 0} values; [${e.shape.join(', ')}] needs ${e.length}`);
    }
    params.set(data, e.offset);
  }
  return { arch, params };
}
