/**
 * IDX data sets from the file system (Node): a pair of paths, or a directory holding the usual
 * MNIST-layout names ({train,t10k}-{images-idx3,labels-idx1}-ubyte, optionally .gz).
 */
import { ModeconnError } from '../errors.js';
import { loadHost } from '../host.js';
import { fileExists, readFileBytes } from '../io/node-files.js';
import type { DataSet } from './dataset.js';
import { loadIdx, type LoadIdxOptions } from './idx.js';

/** Reads an images file and a labels file (gzip or raw) into a DataSet; errors name the paths. */
export async function loadIdxFiles(imagesPath: string, labelsPath: string, options: LoadIdxOptions = {}): Promise<DataSet> {
  const [images, labels] = await Promise.all([readFileBytes(imagesPath), readFileBytes(labelsPath)]);
  return loadIdx(images, labels, {
    ...options,
    imagesName: options.imagesName ?? imagesPath,
    labelsName: options.labelsName ?? labelsPath,
    name: options.name ?? imagesPath,
  });
}

/** Options of `loadIdxDirectory`. */
export interface IdxDirectoryOptions extends LoadIdxOptions {
  /** The directory with the four files. */
  dir: string;
  /** 'train' reads train-*, 'test' reads t10k-*. */
  split: 'train' | 'test';
  /** Package or download hint for the DATA_UNAVAILABLE message. */
  advice?: string;
}

/** The MNIST file names of one split, without the optional .gz. */
export function idxFileNames(split: 'train' | 'test'): { images: string; labels: string } {
  const prefix = split === 'train' ? 'train' : 't10k';
  return { images: `${prefix}-images-idx3-ubyte`, labels: `${prefix}-labels-idx1-ubyte` };
}

/** Loads one split from a directory in the MNIST layout (MNIST, Fashion-MNIST, KMNIST). */
export async function loadIdxDirectory(options: IdxDirectoryOptions): Promise<DataSet> {
  const { dir, split, advice, ...rest } = options;
  if (split !== 'train' && split !== 'test') {
    throw new ModeconnError('BAD_ARGUMENT', `split must be 'train' or 'test', got ${String(split)}`);
  }
  const names = idxFileNames(split);
  const images = await findFile(dir, names.images, advice);
  const labels = await findFile(dir, names.labels, advice);
  return loadIdxFiles(images, labels, { ...rest, name: rest.name ?? `${dir}:${split}` });
}

async function findFile(dir: string, base: string, advice?: string): Promise<string> {
  const { joinPath } = await loadHost();
  for (const candidate of [`${base}.gz`, base]) {
    const path = joinPath(dir, candidate);
    if (await fileExists(path)) return path;
  }
  throw new ModeconnError('DATA_UNAVAILABLE', `${joinPath(dir, base)}[.gz] not found`, { advice });
}
