/**
 * What a model file is, from its first bytes: safetensors ([u64 LE length]['{' …]), a PyTorch
 * checkpoint (torch.save: a zip archive holding <name>/data.pkl, or the legacy pickle that starts
 * with pickle protocol 2 and torch's magic number), another zip or pickle, NumPy, HDF5 or gzip.
 * The safetensors reader calls `notSafetensorsError` first, so a .pt file given to it is named as
 * such, with the fix (model loaders route .pt files to the .pt reader before it).
 */
import { ModeconnError } from '../errors.js';

/** The formats `detectModelFormat` tells apart. */
export type ModelFileFormat = 'safetensors' | 'pytorch-zip' | 'pytorch-legacy' | 'zip' | 'pickle' | 'numpy' | 'hdf5' | 'gzip' | 'unknown';

const DESCRIPTIONS: Record<Exclude<ModelFileFormat, 'safetensors' | 'unknown'>, string> = {
  'pytorch-zip': 'a PyTorch checkpoint (torch.save zip archive with data.pkl, e.g. a .pt or .pth file)',
  'pytorch-legacy': 'a PyTorch checkpoint in the legacy pickle format (torch.save with _use_new_zipfile_serialization=False)',
  zip: 'a zip archive (e.g. .npz or .pt)',
  pickle: 'a Python pickle',
  numpy: 'a NumPy .npy array',
  hdf5: 'an HDF5 file (e.g. Keras .h5)',
  gzip: 'gzip-compressed data',
};

const startsWith = (bytes: Uint8Array, magic: readonly number[], at = 0) => magic.every((b, i) => bytes[at + i] === b);

/** The format of a model file, from its first bytes (no byte beyond the zip's first entry name is read). */
export function detectModelFormat(bytes: Uint8Array): ModelFileFormat {
  // safetensors: a little-endian u64 header length, then the JSON header's '{'.
  if (bytes.length >= 9 && bytes[8] === 0x7b && bytes[6] === 0 && bytes[7] === 0) return 'safetensors';
  if (startsWith(bytes, [0x50, 0x4b, 0x03, 0x04]) || startsWith(bytes, [0x50, 0x4b, 0x05, 0x06])) {
    // The first local file header: name length at 26 (u16 LE), name at 30. torch.save writes <archive>/data.pkl first.
    const length = bytes.length >= 30 ? bytes[26] | (bytes[27] << 8) : 0;
    const first = new TextDecoder().decode(bytes.subarray(30, 30 + length));
    return /(^|\/)data\.pkl$/.test(first) ? 'pytorch-zip' : 'zip';
  }
  // Pickle protocol 2..5 (PROTO opcode); torch's legacy format pickles its magic number first (LONG1, 10 bytes).
  if (bytes[0] === 0x80 && bytes[1] >= 2 && bytes[1] <= 5) return startsWith(bytes, [0x8a, 0x0a], 2) ? 'pytorch-legacy' : 'pickle';
  if (startsWith(bytes, [0x93, 0x4e, 0x55, 0x4d, 0x50, 0x59])) return 'numpy';
  if (startsWith(bytes, [0x89, 0x48, 0x44, 0x46, 0x0d, 0x0a, 0x1a, 0x0a])) return 'hdf5';
  if (startsWith(bytes, [0x1f, 0x8b])) return 'gzip';
  return 'unknown';
}

/** BAD_FILE "not a safetensors file" naming what `bytes` is and how to convert it, or null when it may be safetensors. */
export function notSafetensorsError(bytes: Uint8Array, name: string): ModeconnError | null {
  const format = detectModelFormat(bytes);
  if (format === 'safetensors' || format === 'unknown') return null;
  const torch = format === 'pytorch-zip' || format === 'pytorch-legacy' || format === 'zip' || format === 'pickle';
  return new ModeconnError('BAD_FILE', `${name}: not a safetensors file: it is ${DESCRIPTIONS[format]}`, {
    advice: torch
      ? 'loadModel and parseModel read PyTorch checkpoints directly; or convert it in Python: from safetensors.torch import save_file; ' +
        'save_file(torch.load(path, map_location="cpu"), "model.safetensors") (for a whole pickled model, save model.state_dict())'
      : 'export the weights as safetensors (the safetensors package has writers for PyTorch, NumPy, TensorFlow and JAX)',
  });
}
