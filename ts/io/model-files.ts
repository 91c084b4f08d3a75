/**
 * Model files on the file system (Node): a model's state_dict as safetensors or .pt (by the path's
 * extension or `format`), under the checkpoint's own names when the model has them, written
 * atomically (temp file + rename); read back from either format, told apart by magic bytes.
 */
import type { Model } from '../model/model.js';
import { modelFromTensors, parseTensorFile, serializeModel, type ModelFromTensorsOptions, type SaveModelOptions } from './model-tensors.js';
import { readFileBytes, writeFileAtomic } from './node-files.js';
import type { SafetensorsFile } from './safetensors.js';

export {
  modelToTensors, modelFromTensors, modelMetadata, serializeModel, parseModel, parseTensorFile, archFromMetadata, inferMlpArch,
  ARCH_METADATA_KEY, NAMES_METADATA_KEY, type ModelTensor, type ModelFromTensorsOptions, type SaveModelOptions, type NameChoice,
} from './model-tensors.js';

/** True for paths that name a PyTorch checkpoint (.pt, .pth, .bin is not one: it is ambiguous). */
export function isPtPath(path: string): boolean {
  return /\.(pt|pth)$/i.test(path);
}

/**
 * Saves `model` to `path`: .pt/.pth as torch.save's zip format, anything else as safetensors
 * (`format: 'pt'`, the arch and the name map in the metadata); `options.format` overrides.
 */
export async function saveModel(model: Model, path: string, options: SaveModelOptions = {}): Promise<void> {
  const format = options.format ?? (isPtPath(path) ? 'pt' : 'safetensors');
  await writeFileAtomic(path, serializeModel(model, { ...options, format, name: path }));
}

/** Reads a model file's tensors (.pt, zip or legacy, or safetensors, by magic bytes) without building a model. */
export async function loadTensorFile(path: string, options: { allowNonFinite?: boolean; key?: string } = {}): Promise<SafetensorsFile> {
  return parseTensorFile(await readFileBytes(path), { ...options, name: path });
}

/**
 * Loads a model from a .pt checkpoint or a safetensors file: the arch is `options.arch`, else the
 * file's "modeconn.arch" metadata, else inferred from names and shapes (see docs/IO.md); names
 * go through `options.names`. UNKNOWN_ARCH when nothing fits.
 */
export async function loadModel(path: string, options: ModelFromTensorsOptions = {}): Promise<Model> {
  return modelFromTensors(await loadTensorFile(path, options), options);
}
