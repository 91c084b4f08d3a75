/**
 * A modeconn model → an ONNX ModelProto (opset 13, IR 7) for onnxruntime and other runtimes:
 * input "input" `[batch, ...arch.input]` float32, output "logits" `[batch, classes]`; BatchNorm in
 * eval mode (running statistics), dropout as inference-mode Dropout (identity). Initialisers carry
 * the state_dict names of compileArch(arch).layout; the arch itself is kept as JSON metadata.
 */
import { ModeconnError } from '../errors.js';
import { pair, type Layer } from '../model/arch.js';
import { compileArch } from '../model/compile.js';
import type { Model } from '../model/model.js';
import { ONNX_ARCH_KEY } from './onnx-import.js';
import { AttributeType, DataType } from './onnx-schema.js';

/** Opset and IR version of exported files (supported by onnxruntime ≥ 1.8). */
export const ONNX_EXPORT_OPSET = 13;
const IR_VERSION = 7;

/** The exported graph's input name (float32 `[batch, ...arch.input]`). */
export const ONNX_INPUT = 'input';
/** The exported graph's output name (float32 `[batch, classes]` logits). */
export const ONNX_OUTPUT = 'logits';

interface NodeObject { name: string; opType: string; input: string[]; output: string[]; attribute: object[] }

const ints = (name: string, values: number[]) => ({ name, type: AttributeType.INTS, ints: values });
const int = (name: string, i: number) => ({ name, type: AttributeType.INT, i });
const float = (name: string, f: number) => ({ name, type: AttributeType.FLOAT, f });

const littleEndianHost = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1;

/** Little-endian float32 bytes of `values` (a copy). */
function rawFloats(values: Float32Array): Uint8Array {
  if (littleEndianHost) return new Uint8Array(values.slice().buffer);
  const out = new Uint8Array(values.length * 4);
  const view = new DataView(out.buffer);
  values.forEach((v, i) => view.setFloat32(4 * i, v, true));
  return out;
}

function floatTensor(name: string, dims: number[], values: Float32Array) {
  return { name, dims, dataType: DataType.FLOAT, rawData: rawFloats(values) };
}

class GraphBuilder {
  readonly nodes: NodeObject[] = [];

  /** Appends a node named `/<path>/<op>` (path dots as slashes, as PyTorch names them); returns its output. */
  node(path: string, opType: string, input: string[], attribute: object[] = []): string {
    const base = `/${path.split('.').join('/')}/${opType}`;
    let name = base;
    for (let k = 1; this.nodes.some((n) => n.name === name); k++) name = `${base}_${k}`;
    const output = `${name}_output_0`;
    this.nodes.push({ name, opType, input, output: [output], attribute });
    return output;
  }

  /** A Constant node holding a float tensor; returns its output. */
  constant(path: string, dims: number[], values: Float32Array): string {
    return this.node(path, 'Constant', [], [{ name: 'value', type: AttributeType.TENSOR, t: floatTensor('', dims, values) }]);
  }

  /** Emits `layers` (state_dict names `prefix + j`) on `x` of per-sample `shape`; returns the output value and shape. */
  layers(layers: Layer[], prefix: string, x: string, shape: number[]): [string, number[]] {
    let cur = x;
    let curShape = shape;
    layers.forEach((layer, j) => {
      const path = `${prefix}${j}`;
      const t = (suffix: string) => `${path}.${suffix}`;
      switch (layer.type) {
        case 'dense':
          cur = this.node(path, 'Gemm', layer.bias === false ? [cur, t('weight')] : [cur, t('weight'), t('bias')], [int('transB', 1)]);
          curShape = [layer.out];
          break;
        case 'conv2d': {
          const [kh, kw] = pair(layer.kernel);
          const [sh, sw] = pair(layer.stride ?? 1);
          const [ph, pw] = pair(layer.padding ?? 0);
          cur = this.node(path, 'Conv', layer.bias === false ? [cur, t('weight')] : [cur, t('weight'), t('bias')],
            [ints('dilations', [1, 1]), int('group', 1), ints('kernel_shape', [kh, kw]), ints('pads', [ph, pw, ph, pw]), ints('strides', [sh, sw])]);
          curShape = [layer.out, Math.floor((curShape[1] + 2 * ph - kh) / sh) + 1, Math.floor((curShape[2] + 2 * pw - kw) / sw) + 1];
          break;
        }
        case 'batchnorm': {
          const c = curShape[0];
          // ONNX's BatchNormalization always has scale and B: a non-affine one gets fixed constants (not parameters).
          const [scale, bias] = layer.affine === false
            ? [this.constant(`${path}.scale`, [c], new Float32Array(c).fill(1)), this.constant(`${path}.bias`, [c], new Float32Array(c))]
            : [t('weight'), t('bias')];
          cur = this.node(path, 'BatchNormalization', [cur, scale, bias, t('running_mean'), t('running_var')],
            [float('epsilon', layer.eps ?? 1e-5), float('momentum', 1 - (layer.momentum ?? 0.1))]);
          break;
        }
        case 'relu':
          cur = this.node(path, 'Relu', [cur]);
          break;
        case 'maxpool':
        case 'avgpool': {
          const [kh, kw] = pair(layer.kernel);
          const [sh, sw] = pair(layer.stride ?? layer.kernel);
          const [ph, pw] = pair(layer.padding ?? 0);
          const attrs = [int('ceil_mode', 0), ints('kernel_shape', [kh, kw]), ints('pads', [ph, pw, ph, pw]), ints('strides', [sh, sw])];
          // modeconn's average pooling counts padded zeros in the window, as PyTorch's default does.
          if (layer.type === 'avgpool') attrs.push(int('count_include_pad', 1));
          cur = this.node(path, layer.type === 'maxpool' ? 'MaxPool' : 'AveragePool', [cur], attrs);
          curShape = [curShape[0], Math.floor((curShape[1] + 2 * ph - kh) / sh) + 1, Math.floor((curShape[2] + 2 * pw - kw) / sw) + 1];
          break;
        }
        case 'flatten':
          cur = this.node(path, 'Flatten', [cur], [int('axis', 1)]);
          curShape = [curShape.reduce((a, b) => a * b, 1)];
          break;
        case 'dropout':
          cur = this.node(path, 'Dropout', [cur, this.constant(`${path}.ratio`, [], Float32Array.of(layer.p))]);
          break;
        case 'residual': {
          const [body, bodyShape] = this.layers(layer.body, `${path}.body.`, cur, curShape);
          const [shortcut] = layer.shortcut && layer.shortcut.length > 0 ? this.layers(layer.shortcut, `${path}.shortcut.`, cur, curShape) : [cur];
          cur = this.node(path, 'Add', [body, shortcut]);
          curShape = bodyShape;
          break;
        }
      }
    });
    return [cur, curShape];
  }
}

/** The ModelProto of `model` as a plain object for the protobuf encoder. */
export function onnxModelObject(model: Model): object {
  const compiled = compileArch(model.arch);
  if (!(model.params instanceof Float32Array) || model.params.length !== compiled.totalLength) {
    throw new ModeconnError('BAD_SHAPE', `serializeOnnx: parameters have ${model.params?.length} values; the architecture needs ${compiled.totalLength}`);
  }
  const builder = new GraphBuilder();
  const [last] = builder.layers(model.arch.layers, '', ONNX_INPUT, [...model.arch.input]);
  const final = builder.nodes.find((n) => n.output[0] === last)!;
  final.output[0] = ONNX_OUTPUT;
  const initializer = compiled.layout.filter((e) => e.kind !== 'counter')
    .map((e) => floatTensor(e.name, e.shape, model.params.subarray(e.offset, e.offset + e.length)));
  const tensorType = (dims: Array<number | string>) => ({
    tensorType: { elemType: DataType.FLOAT, shape: { dim: dims.map((d) => (typeof d === 'string' ? { dimParam: d } : { dimValue: d })) } },
  });
  return {
    irVersion: IR_VERSION,
    opsetImport: [{ domain: '', version: ONNX_EXPORT_OPSET }],
    producerName: 'modeconn',
    graph: {
      name: 'modeconn',
      node: builder.nodes,
      initializer,
      input: [{ name: ONNX_INPUT, type: tensorType(['batch', ...model.arch.input]) }],
      output: [{ name: ONNX_OUTPUT, type: tensorType(['batch', model.arch.classes]) }],
    },
    metadataProps: [{ key: ONNX_ARCH_KEY, value: JSON.stringify(model.arch) }],
  };
}
