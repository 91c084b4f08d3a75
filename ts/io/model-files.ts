/**
 * Model files on the file system (Node): a model's state_dict as safetensors with PyTorch names,
 * written atomically (temp file + rename), and read back with its arch given, stored or inferred.
 */
import type { Model } from '../model/model.js';
import { modelFromTensors, modelMetadata, modelToTensors, type ModelFromTensorsOptions, type SaveModelOptions } from './model-tensors.js';
import { loadSafetensors, saveSafetensors } from './safetensors-files.js';

export {
  modelToTensors, modelFromTensors, modelMetadata, serializeModel, parseModel, archFromMetadata, inferMlpArch,
  ARCH_METADATA_KEY, type ModelTensor, type ModelFromTensorsOptions, type SaveModelOptions,
} from './model-tensors.js';

/** Saves `model` to `path` (state_dict tensors, `format: 'pt'` and the arch in the metadata). */
export async function saveModel(model: Model, path: string, options: SaveModelOptions = {}): Promise<void> {
  await saveSafetensors(modelToTensors(model), path, { metadata: modelMetadata(model, options.metadata), allowNonFinite: options.allowNonFinite });
}

/**
 * Loads a model from a safetensors file: the arch is `options.arch`, else the file's
 * "modeconn.arch" metadata, else inferred for an `nn.Sequential` MLP; UNKNOWN_ARCH otherwise.
 */
export async function loadModel(path: string, options: ModelFromTensorsOptions = {}): Promise<Model> {
  const file = await loadSafetensors(path, { allowNonFinite: options.allowNonFinite });
  return modelFromTensors(file, options);
}
