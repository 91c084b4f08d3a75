/**
 * ONNX models, browser-safe (bytes only, no file access): `parseOnnx` imports a graph exported by
 * `torch.onnx.export` (or by `serializeOnnx`) as `{ arch, params }`; `serializeOnnx` writes a
 * model as an opset-13 ONNX file that onnxruntime runs. Supported ops and limits: docs/ONNX.md.
 */
import { ModeconnError } from '../errors.js';
import type { Arch } from '../model/arch.js';
import { compileArch } from '../model/compile.js';
import type { Model } from '../model/model.js';
import { onnxModelObject } from './onnx-export.js';
import { readOnnxGraph, type ParseOnnxOptions } from './onnx-graph.js';
import { modelFromOnnxGraph } from './onnx-import.js';
import { loadOnnxCodec } from './onnx-schema.js';

export { ONNX_IMPORT_OPS } from './onnx-layers.js';
export { ONNX_EXPORT_OPSET, ONNX_INPUT, ONNX_OUTPUT } from './onnx-export.js';
export { ONNX_ARCH_KEY } from './onnx-import.js';

/** Options of `parseOnnx` / `loadOnnx`. */
export interface OnnxReadOptions extends ParseOnnxOptions {
  /**
   * An arch that must compute the graph's function (same plan and layout); it is returned as given
   * (its spelling of defaults). BAD_SHAPE when it differs from the graph.
   */
  arch?: Arch;
  /** Accept NaN/±Inf weights (default false: NON_FINITE naming the tensor), as the safetensors reader. */
  allowNonFinite?: boolean;
}

/** Imports ONNX bytes as a model (BAD_FILE, BAD_SHAPE, UNSUPPORTED_OP naming the file and node). */
export async function parseOnnx(bytes: Uint8Array, options: OnnxReadOptions = {}): Promise<Model> {
  const codec = await loadOnnxCodec();
  const model = modelFromOnnxGraph(readOnnxGraph(codec, bytes, options));
  const name = options.name ?? 'ONNX data';
  if (!options.allowNonFinite) {
    for (const e of compileArch(model.arch).layout) {
      const bad = model.params.subarray(e.offset, e.offset + e.length).findIndex((v) => !Number.isFinite(v));
      if (bad >= 0) {
        throw new ModeconnError('NON_FINITE', `${name}: tensor "${e.name}" element ${bad} is ${model.params[e.offset + bad]}`, {
          advice: 'pass { allowNonFinite: true } to load it anyway',
        });
      }
    }
  }
  if (!options.arch) return model;
  const want = compileArch(options.arch);
  const got = compileArch(model.arch);
  const same = want.words.length === got.words.length && want.words.every((w, i) => w === got.words[i])
    && want.layout.length === got.layout.length && want.layout.every((e, i) => e.name === got.layout[i].name);
  if (!same) {
    throw new ModeconnError('BAD_SHAPE', `${name}: the graph's architecture ${JSON.stringify(model.arch)} is not the one passed`, {
      advice: 'leave out { arch }: an ONNX file carries its own',
    });
  }
  return { arch: options.arch, params: model.params };
}

/** A model as ONNX bytes (opset 13; input "input" [batch, ...arch.input], output "logits" [batch, classes]). */
export async function serializeOnnx(model: Model): Promise<Uint8Array> {
  const codec = await loadOnnxCodec();
  return codec.encode(onnxModelObject(model));
}

/**
 * True when `bytes` start like an ONNX ModelProto as every writer lays it out: field 1 (ir_version,
 * a small varint) first, then another ModelProto field. A safetensors file starts with a u64
 * header length followed by "{", a .pt file with a zip signature: neither matches.
 */
export function looksLikeOnnx(bytes: Uint8Array): boolean {
  const nextTags = [0x12, 0x1a, 0x22, 0x28, 0x32, 0x3a, 0x42, 0x72];
  return bytes.length > 8 && bytes[0] === 0x08 && bytes[1] >= 1 && bytes[1] <= 0x7f && nextTags.includes(bytes[2]) && bytes[8] !== 0x7b;
}
