/**
 * One ONNX node (or a fused pair: MatMul + Add, Pad + AveragePool) → modeconn layers, with the
 * tensors each layer owns. Gemm/MatMul weights become `[out, in]` (PyTorch's Linear layout),
 * BatchNormalization's scale/B/mean/var become BatchNorm's weight/bias/running_mean/running_var.
 * Shapes are per sample: `[features]` or `[c, h, w]`.
 */
import type { AvgPoolLayer, Conv2dLayer, Layer, MaxPoolLayer } from '../model/arch.js';
import {
  badShape, float, floatInput, int, ints, needFlat, needImage, shortestF32, size2, str, torchMomentum, transpose, unsupported,
  vectorInput, windowOut, type Cursor, type ImportContext,
} from './onnx-context.js';
import type { GraphNode } from './onnx-graph.js';

export { ONNX_IMPORT_OPS, unsupported, type Cursor, type ImportContext } from './onnx-context.js';

/** Kernel, strides and symmetric pads of a 2-D window op (Conv, MaxPool, AveragePool). */
function window2d(ctx: ImportContext, node: GraphNode, kernel: number[]) {
  const autoPad = str(ctx, node, 'auto_pad', 'NOTSET');
  if (autoPad !== 'NOTSET' && autoPad !== 'VALID') unsupported(ctx, node, `auto_pad = ${autoPad}; export explicit padding`);
  const strides = ints(ctx, node, 'strides', [1, 1]);
  const pads = ints(ctx, node, 'pads', [0, 0, 0, 0]);
  const dilations = ints(ctx, node, 'dilations', [1, 1]);
  if (kernel.length !== 2 || strides.length !== 2 || pads.length !== 4 || dilations.length !== 2) unsupported(ctx, node, 'only 2-D windows are supported');
  if (dilations.some((d) => d !== 1)) unsupported(ctx, node, `dilations [${dilations.join(', ')}]; only 1 is supported`);
  if (pads[0] !== pads[2] || pads[1] !== pads[3]) unsupported(ctx, node, `asymmetric pads [${pads.join(', ')}]`);
  if ([...kernel, ...strides].some((v) => !(v >= 1)) || pads.some((v) => v < 0)) badShape(ctx, node, 'kernel and strides must be ≥ 1 and pads ≥ 0');
  return { kernel: kernel as [number, number], strides: strides as [number, number], pads: [pads[0], pads[1]] as [number, number] };
}

function pool(ctx: ImportContext, node: GraphNode, cur: Cursor, type: 'maxpool' | 'avgpool', extraPads: [number, number] = [0, 0]) {
  const [c, h, w] = needImage(ctx, node, cur);
  if (int(ctx, node, 'ceil_mode', 0) !== 0) unsupported(ctx, node, 'ceil_mode = 1; only floor mode is supported');
  if (node.outputs.slice(1).some((v) => v && ctx.isRead(v))) unsupported(ctx, node, 'its indices output is used');
  const { kernel, strides, pads } = window2d(ctx, node, ints(ctx, node, 'kernel_shape', []));
  if (type === 'avgpool' && (pads[0] || pads[1]) && int(ctx, node, 'count_include_pad', 0) === 0) {
    unsupported(ctx, node, 'padding with count_include_pad = 0; modeconn averages over the padded window (PyTorch\'s default)');
  }
  const [ph, pw] = [pads[0] + extraPads[0], pads[1] + extraPads[1]];
  const layer: MaxPoolLayer | AvgPoolLayer = { type, kernel: size2(kernel[0], kernel[1]) };
  if (strides[0] !== kernel[0] || strides[1] !== kernel[1]) layer.stride = size2(strides[0], strides[1]);
  if (ph || pw) layer.padding = size2(ph, pw);
  return { layer, shape: [c, windowOut(h, kernel[0], strides[0], ph), windowOut(w, kernel[1], strides[1], pw)] };
}

/** The single activation use of `value` when it is a node of type `opType`. */
function soleUse(ctx: ImportContext, value: string, opType: string): GraphNode | undefined {
  const uses = ctx.uses(value);
  return uses.length === 1 && uses[0].opType === opType && !ctx.values.isConstant(value) ? uses[0] : undefined;
}

/** Converts `node` applied to `cur`: the layers it becomes (none for Identity) and the new activation. */
export function convertNode(ctx: ImportContext, node: GraphNode, cur: Cursor): { layers: Layer[]; cursor: Cursor } {
  if (ctx.visited.has(node)) unsupported(ctx, node, 'is reached twice (the graph is not a chain of blocks)');
  ctx.visited.add(node);
  const out = (layers: Layer[], shape: number[], value = node.outputs[0]) => ({ layers, cursor: { value, shape } });
  const own = (layer: Layer, tensors: Record<string, Float32Array>) => (ctx.owned.set(layer, tensors), layer);
  switch (node.opType) {
    case 'Gemm': {
      const features = needFlat(ctx, node, cur);
      const alpha = float(ctx, node, 'alpha', 1);
      const beta = float(ctx, node, 'beta', 1);
      if (alpha !== 1 || beta !== 1) unsupported(ctx, node, `alpha = ${alpha}, beta = ${beta}; only alpha = beta = 1 is supported`);
      if (int(ctx, node, 'transA', 0) !== 0) unsupported(ctx, node, 'transA = 1');
      const transB = int(ctx, node, 'transB', 0) !== 0;
      const b = floatInput(ctx, node, 1, 'weight B', 2);
      const [rows, cols] = b.dims;
      const [units, inputs] = transB ? [rows, cols] : [cols, rows];
      if (inputs !== features) badShape(ctx, node, `weight "${node.inputs[1]}" has shape [${b.dims.join(', ')}] (transB = ${+transB}) for ${features} input features`);
      const weight = transB ? b.data : transpose(b.data, rows, cols);
      if (!node.inputs[2]) return out([own({ type: 'dense', out: units, bias: false }, { weight })], [units]);
      // C broadcasts: a single value is a bias shared by every unit.
      const shared = ctx.values.constant(node.inputs[2])?.data.length === 1;
      const c = vectorInput(ctx, node, 2, 'bias C', shared ? 1 : units);
      const bias = c.length === units ? c : new Float32Array(units).fill(c[0]);
      return out([own({ type: 'dense', out: units }, { weight, bias })], [units]);
    }
    case 'MatMul': {
      const features = needFlat(ctx, node, cur);
      const b = floatInput(ctx, node, 1, 'weight', 2);
      const [rows, units] = b.dims;
      if (rows !== features) badShape(ctx, node, `weight "${node.inputs[1]}" has shape [${b.dims.join(', ')}] for ${features} input features`);
      const weight = transpose(b.data, rows, units);
      const add = soleUse(ctx, node.outputs[0], 'Add');
      const biasSlot = add ? add.inputs.findIndex((v, k) => v !== node.outputs[0] && k < 2) : -1;
      if (!add || biasSlot < 0 || !ctx.values.isConstant(add.inputs[biasSlot])) {
        return out([own({ type: 'dense', out: units, bias: false }, { weight })], [units]);
      }
      ctx.visited.add(add);
      const bias = vectorInput(ctx, add, biasSlot, 'bias', units);
      return out([own({ type: 'dense', out: units }, { weight, bias })], [units], add.outputs[0]);
    }
    case 'Conv': {
      const [cIn, h, w] = needImage(ctx, node, cur);
      const wt = floatInput(ctx, node, 1, 'weight W', 4);
      const [units, wIn, kh, kw] = wt.dims;
      if (int(ctx, node, 'group', 1) !== 1) unsupported(ctx, node, `group = ${int(ctx, node, 'group', 1)}; only group = 1 is supported`);
      if (wIn !== cIn) badShape(ctx, node, `weight "${node.inputs[1]}" has shape [${wt.dims.join(', ')}] for ${cIn} input channels`);
      const declared = ints(ctx, node, 'kernel_shape', [kh, kw]);
      if (declared[0] !== kh || declared[1] !== kw) badShape(ctx, node, `kernel_shape [${declared.join(', ')}] disagrees with weight "${node.inputs[1]}" [${wt.dims.join(', ')}]`);
      const { strides, pads } = window2d(ctx, node, [kh, kw]);
      const layer: Conv2dLayer = { type: 'conv2d', out: units, kernel: size2(kh, kw) };
      if (strides[0] !== 1 || strides[1] !== 1) layer.stride = size2(strides[0], strides[1]);
      if (pads[0] || pads[1]) layer.padding = size2(pads[0], pads[1]);
      const tensors: Record<string, Float32Array> = { weight: wt.data };
      if (node.inputs[2]) tensors.bias = vectorInput(ctx, node, 2, 'bias B', units);
      else layer.bias = false;
      const shape = [units, windowOut(h, kh, strides[0], pads[0]), windowOut(w, kw, strides[1], pads[1])];
      if (!(shape[1] >= 1 && shape[2] >= 1)) badShape(ctx, node, `a ${kh}x${kw} window does not fit the ${h}x${w} input`);
      return out([own(layer, tensors)], shape);
    }
    case 'BatchNormalization': {
      if (cur.shape.length !== 1 && cur.shape.length !== 3) badShape(ctx, node, `needs [c] or [c, h, w] per sample, got [${cur.shape.join(', ')}]`);
      if (int(ctx, node, 'training_mode', 0) !== 0) unsupported(ctx, node, 'training_mode = 1; export the model in eval mode');
      if (int(ctx, node, 'spatial', 1) !== 1) unsupported(ctx, node, 'spatial = 0');
      if (node.outputs.slice(1).some((v) => v && ctx.isRead(v))) unsupported(ctx, node, 'its running-statistics outputs are used (a training-mode export)');
      const c = cur.shape[0];
      const [weight, bias, mean, variance] = ['scale', 'B', 'input_mean', 'input_var'].map((what, k) => vectorInput(ctx, node, k + 1, what, c));
      const layer: Layer = { type: 'batchnorm' };
      const eps = shortestF32(float(ctx, node, 'epsilon', 1e-5));
      const momentum = torchMomentum(float(ctx, node, 'momentum', 0.9));
      if (eps !== 1e-5) layer.eps = eps;
      if (momentum !== 0.1) layer.momentum = momentum;
      // Constants (not initialisers) fixed at 1 and 0 are how a non-affine BatchNorm is written.
      const fixed = [1, 2].every((k) => ctx.values.constant(node.inputs[k])?.fromNode);
      if (fixed && weight.every((v) => v === 1) && bias.every((v) => v === 0)) {
        layer.affine = false;
        return out([own(layer, { running_mean: mean, running_var: variance })], cur.shape);
      }
      return out([own(layer, { weight, bias, running_mean: mean, running_var: variance })], cur.shape);
    }
    case 'Relu':
      return out([{ type: 'relu' }], cur.shape);
    case 'MaxPool':
    case 'AveragePool': {
      const { layer, shape } = pool(ctx, node, cur, node.opType === 'MaxPool' ? 'maxpool' : 'avgpool');
      return out([layer], shape);
    }
    case 'Pad':
      return convertPad(ctx, node, cur);
    case 'GlobalAveragePool':
    case 'ReduceMean': {
      const [c, h, w] = needImage(ctx, node, cur);
      const layers: Layer[] = [{ type: 'avgpool', kernel: size2(h, w) }];
      if (node.opType === 'ReduceMean') {
        const axes = (ints(ctx, node, 'axes', []).length ? ints(ctx, node, 'axes', []) : ctx.values.ints(node.inputs[1] ?? '')?.values ?? []) as number[];
        const set = new Set(axes.map((a) => (a < 0 ? a + 4 : a)));
        if (set.size !== 2 || !set.has(2) || !set.has(3)) unsupported(ctx, node, `axes [${axes.join(', ')}]; only the spatial mean (axes 2, 3) is supported`);
        if (int(ctx, node, 'keepdims', 1) === 0) return out([...layers, { type: 'flatten' }], [c]);
      }
      return out(layers, [c, 1, 1]);
    }
    case 'Flatten': {
      const rank = cur.shape.length + 1;
      const axis = int(ctx, node, 'axis', 1);
      if ((axis < 0 ? axis + rank : axis) !== 1) unsupported(ctx, node, `axis = ${axis}; only flattening everything after the batch axis is supported`);
      return out([{ type: 'flatten' }], [cur.shape.reduce((a, b) => a * b, 1)]);
    }
    case 'Reshape':
      return convertReshape(ctx, node, cur);
    case 'Identity':
      return out([], cur.shape);
    case 'Dropout': {
      if (node.outputs.slice(1).some((v) => v && ctx.isRead(v))) unsupported(ctx, node, 'its mask output is used');
      let p = 0.5;
      if (ctx.opset < 12) p = float(ctx, node, 'ratio', 0.5);
      else if (node.inputs[1]) p = vectorInput(ctx, node, 1, 'ratio', 1)[0];
      const training = node.inputs[2] ? ctx.values.constant(node.inputs[2]) : undefined;
      if (node.inputs[2] && (!training || training.data.some((v) => v !== 0))) unsupported(ctx, node, 'training_mode is not a constant false');
      return out([{ type: 'dropout', p: shortestF32(p) }], cur.shape);
    }
    case 'Add':
      return unsupported(ctx, node, 'adds a constant; modeconn reads that only as the bias after a MatMul');
    default:
      return unsupported(ctx, node, `op ${node.opType} is not supported`);
  }
}

function convertPad(ctx: ImportContext, node: GraphNode, cur: Cursor) {
  const [c, h, w] = needImage(ctx, node, cur);
  if (str(ctx, node, 'mode', 'constant') !== 'constant') unsupported(ctx, node, `mode = ${str(ctx, node, 'mode', '')}; only zero padding is supported`);
  const pads = ctx.opset < 11 ? ints(ctx, node, 'pads', []) : ctx.values.ints(node.inputs[1] ?? '')?.values;
  const value = ctx.opset < 11 ? float(ctx, node, 'value', 0) : node.inputs[2] ? ctx.values.constant(node.inputs[2])?.data[0] : 0;
  if (value !== 0) unsupported(ctx, node, 'pads with a value other than 0');
  if (!pads || pads.length !== 8 || pads.some((v) => typeof v !== 'number') || node.inputs[3]) unsupported(ctx, node, 'its pads are not 8 constants for [n, c, h, w]');
  const [n0, c0, t, l, n1, c1, b, r] = pads as number[];
  if (pads.every((v) => v === 0)) return { layers: [], cursor: { value: node.outputs[0], shape: cur.shape } };
  const next = soleUse(ctx, node.outputs[0], 'AveragePool');
  if (n0 || c0 || n1 || c1 || t !== b || l !== r || t < 0 || l < 0) {
    unsupported(ctx, node, `pads [${pads.join(', ')}]; only symmetric spatial zero padding is supported`);
  }
  if (!next) unsupported(ctx, node, 'pads an activation that is not then read by one AveragePool (modeconn has no padding layer)');
  ctx.visited.add(next);
  // Zeros padded before the pool are averaged in: modeconn's (and PyTorch's) count_include_pad.
  const { layer, shape } = pool(ctx, next, { value: node.outputs[0], shape: [c, h, w] }, 'avgpool', [t, l]);
  return { layers: [layer], cursor: { value: next.outputs[0], shape } };
}

function convertReshape(ctx: ImportContext, node: GraphNode, cur: Cursor) {
  const features = cur.shape.reduce((a, b) => a * b, 1);
  const target = ctx.values.ints(node.inputs[1] ?? '');
  if (!target || target.rank !== 1) unsupported(ctx, node, 'its shape is not a constant or a Shape computation modeconn can evaluate');
  if (int(ctx, node, 'allowzero', 0) !== 0) unsupported(ctx, node, 'allowzero = 1');
  const [batch, rest] = target.values;
  const batchOk = batch === 'batch' || batch === 0 || (typeof batch === 'number' && (batch >= 1 || (batch === -1 && rest === features)));
  if (target.values.length === 2 && batchOk && (rest === features || rest === -1)) {
    return { layers: [{ type: 'flatten' } as Layer], cursor: { value: node.outputs[0], shape: [features] } };
  }
  const shown = target.values.map((v) => (v === 'batch' ? 'N' : v)).join(', ');
  return unsupported(ctx, node, `reshapes [N, ${cur.shape.join(', ')}] to [${shown}]; only a flatten to [N, -1] or [N, ${features}] is supported`);
}
