/**
 * CIFAR-10/100 binary files from a directory (Node): the extracted archive folder
 * (cifar-10-batches-bin, cifar-100-binary) or the folder that holds it.
 */
import { ModeconnError } from '../errors.js';
import { loadHost } from '../host.js';
import { fileExists, readFileBytes } from '../io/node-files.js';
import { parseCifar, type CifarVariant, type ParseCifarOptions } from './cifar.js';
import type { DataSet } from './dataset.js';

/** Options of `loadCifar`. */
export interface LoadCifarOptions extends Omit<ParseCifarOptions, 'variant' | 'name'> {
  /** The folder with the .bin files, or the folder holding cifar-10-batches-bin / cifar-100-binary. */
  dir: string;
  /** 'train' (50,000) or 'test' (10,000). Default 'train'. */
  split?: 'train' | 'test';
  /** 10 (default) or 100. */
  variant?: CifarVariant;
}

/** The archive folder and file names of a split. */
export function cifarFileNames(variant: CifarVariant, split: 'train' | 'test'): { folder: string; files: string[] } {
  if (variant === 10) {
    return { folder: 'cifar-10-batches-bin', files: split === 'train' ? [1, 2, 3, 4, 5].map((k) => `data_batch_${k}.bin`) : ['test_batch.bin'] };
  }
  return { folder: 'cifar-100-binary', files: [split === 'train' ? 'train.bin' : 'test.bin'] };
}

const ADVICE = 'download the "binary version" from https://www.cs.toronto.edu/~kriz/cifar.html and extract it (tar xzf cifar-10-binary.tar.gz); see docs/DATA.md';

/**
 * Loads one split of CIFAR-10 or CIFAR-100 as [n, 3, 32, 32] (x = byte / 255, or standardised with
 * `normalize: 'standard'`). DATA_UNAVAILABLE naming the missing file and where to get it.
 */
export async function loadCifar(options: LoadCifarOptions): Promise<DataSet> {
  const { dir, split = 'train', variant = 10, ...rest } = options;
  if (split !== 'train' && split !== 'test') throw new ModeconnError('BAD_ARGUMENT', `loadCifar: split must be 'train' or 'test', got ${String(split)}`);
  if (variant !== 10 && variant !== 100) throw new ModeconnError('BAD_ARGUMENT', `loadCifar: variant must be 10 or 100, got ${String(variant)}`);
  // Paths through the host module: no node: import may be reachable from the browser entries.
  const { joinPath } = await loadHost();
  const { folder, files } = cifarFileNames(variant, split);
  const nested = joinPath(dir, folder);
  const base = (await fileExists(joinPath(nested, files[0]))) ? nested : dir;
  const loaded: Array<{ name: string; bytes: Uint8Array }> = [];
  for (const file of files) {
    const path = joinPath(base, file);
    if (!(await fileExists(path))) throw new ModeconnError('DATA_UNAVAILABLE', `CIFAR-${variant} ${split}: ${path} not found`, { advice: ADVICE.replace('cifar-10', `cifar-${variant}`) });
    loaded.push({ name: path, bytes: await readFileBytes(path) });
  }
  const labels = variant === 100 && rest.labels === 'coarse' ? '-coarse' : '';
  return parseCifar(loaded, { ...rest, variant, name: `cifar${variant}${labels}-${split}` });
}
