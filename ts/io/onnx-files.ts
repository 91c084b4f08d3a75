/** ONNX models on the file system (Node): read a path (or bytes), write atomically (temp file + rename). */
import type { Model } from '../model/model.js';
import { readFileBytes, writeFileAtomic } from './node-files.js';
import { parseOnnx, serializeOnnx, type OnnxReadOptions } from './onnx.js';

/** Imports an ONNX model from a path or from its bytes; errors name the path. */
export async function loadOnnx(source: string | Uint8Array, options: OnnxReadOptions = {}): Promise<Model> {
  if (typeof source !== 'string') return parseOnnx(source, options);
  return parseOnnx(await readFileBytes(source), { ...options, name: options.name ?? source });
}

/** Writes `model` as an ONNX file at `path` (atomic: a failed write leaves the old file). */
export async function saveOnnx(model: Model, path: string): Promise<void> {
  await writeFileAtomic(path, await serializeOnnx(model));
}
