/** safetensors on the file system (Node): read a path, or write atomically (temp file + rename). */
import { readFileBytes, writeFileAtomic } from './node-files.js';
import { parseSafetensors, type ReadSafetensorsOptions, type SafetensorsFile } from './safetensors.js';
import { serializeSafetensors, type TensorInput, type WriteSafetensorsOptions } from './safetensors-write.js';

/** Reads and validates a safetensors file; errors name the path. */
export async function loadSafetensors(path: string, options: Omit<ReadSafetensorsOptions, 'name'> = {}): Promise<SafetensorsFile> {
  return parseSafetensors(await readFileBytes(path), { ...options, name: path });
}

/**
 * Writes tensors to `path` through a temp file in the same directory and a rename, so a failed
 * save never leaves a truncated file in place of a good one.
 */
export async function saveSafetensors(tensors: Record<string, TensorInput> | Map<string, TensorInput>, path: string, options: Omit<WriteSafetensorsOptions, 'name'> = {}): Promise<void> {
  const bytes = serializeSafetensors(tensors, { ...options, name: path });
  await writeFileAtomic(path, bytes);
}
