/**
 * `--data`: which data set, resolved to a train and a test split. Real sets keep their own split;
 * a single IDX pair and the synthetic sets hold out the last fifth of each class (deterministic,
 * no seed), and synthetic sets use their own data seed, so runs with different --seed see the same data.
 */
import { ModeconnError } from '../errors.js';
import type { DataSet } from '../data/dataset.js';
import { splitDataSet } from '../data/dataset.js';
import { loadCifar } from '../data/cifar-files.js';
import { loadIdxDirectory, loadIdxFiles } from '../data/idx-files.js';
import { loadFashionMnist, loadMnist } from '../data/mnist.js';
import { gaussianBlobs, spirals, twoMoons } from '../data/synthetic.js';
import { UsageError, type FlagSpec } from './args.js';
import { parseKeyValues, splitSpec } from './specs.js';

export type DataSplit = 'train' | 'test';

/** A parsed `--data`: a loader per split (each loaded at most once). */
export interface DataSource {
  /** The spec as given, e.g. `mnist` or `moons:n=2000`. */
  spec: string;
  load(split: DataSplit): Promise<DataSet>;
}

/** One line for --help. */
export const DATA_HELP =
  'mnist | fashion-mnist[:<dir>] | idx:<images>,<labels>[,<test images>,<test labels>] | idx:<dir>\n' +
  '| cifar10:<dir>[,normalize=standard] | cifar100:<dir>[,labels=coarse][,normalize=standard]\n' +
  '| moons[:n=,noise=,seed=] | spirals[:n=,noise=,classes=,turns=,seed=] | blobs[:n=,classes=,dims=,std=,seed=]';

const HOLDOUT = 0.2;

function memo(load: (split: DataSplit) => Promise<DataSet>): (split: DataSplit) => Promise<DataSet> {
  const cache = new Map<DataSplit, Promise<DataSet>>();
  return (split) => {
    let p = cache.get(split);
    if (!p) cache.set(split, (p = load(split)));
    return p;
  };
}

/** A source whose train/test parts are a stratified hold-out split of one set. */
function heldOut(make: () => Promise<DataSet>): (split: DataSplit) => Promise<DataSet> {
  let parts: Promise<{ train: DataSet; test: DataSet }> | null = null;
  return async (split) => {
    parts ??= make().then((data) => splitDataSet(data, { test: HOLDOUT, stratify: true }));
    return (await parts)[split];
  };
}

/** Parses `--data` (UsageError on a malformed spec; files are read only when a split is loaded). */
export function parseDataSpec(spec: string): DataSource {
  const [kind, rest] = splitSpec(spec);
  const where = `--data ${spec}`;
  let load: (split: DataSplit) => Promise<DataSet>;
  switch (kind) {
    case 'mnist':
      if (rest) throw new UsageError(`${where}: mnist takes no arguments`);
      load = async (split) => loadMnist({ split });
      break;
    case 'fashion-mnist':
      load = (split) => loadFashionMnist({ split, ...(rest ? { dir: rest } : {}) }).catch((error: unknown) => {
        // The library's advice speaks of its options; say it in flags.
        if (error instanceof ModeconnError && error.code === 'DATA_UNAVAILABLE') {
          throw new ModeconnError('DATA_UNAVAILABLE', error.message.replace(/ \(.*\)$/, ''), {
            advice: 'install Debian\'s dataset-fashion-mnist package, or give the directory: --data fashion-mnist:<dir>',
            cause: error,
          });
        }
        throw error;
      });
      break;
    case 'idx': {
      const paths = rest.split(',');
      if (rest === '' || paths.some((p) => p === '') || paths.length === 3 || paths.length > 4) {
        throw new UsageError(`${where}: expected idx:<images>,<labels>, idx:<train images>,<train labels>,<test images>,<test labels> or idx:<dir>`);
      }
      if (paths.length === 1) {
        load = async (split) => loadIdxDirectory({ dir: paths[0], split });
      } else if (paths.length === 2) {
        load = heldOut(async () => loadIdxFiles(paths[0], paths[1]));
      } else {
        load = async (split) => {
          const [images, labels] = split === 'train' ? paths.slice(0, 2) : paths.slice(2);
          return loadIdxFiles(images, labels);
        };
      }
      break;
    }
    case 'cifar10':
    case 'cifar100': {
      const variant = kind === 'cifar10' ? 10 : 100;
      const [cifarDir, ...parts] = rest.split(',');
      if (!cifarDir) throw new UsageError(`${where}: expected ${kind}:<dir>[,…] (the folder with the .bin files or the one holding ${variant === 10 ? 'cifar-10-batches-bin' : 'cifar-100-binary'})`);
      const options: { normalize?: 'standard'; labels?: 'fine' | 'coarse' } = {};
      for (const part of parts) {
        if (part === 'normalize=standard') options.normalize = 'standard';
        else if (variant === 100 && (part === 'labels=coarse' || part === 'labels=fine')) options.labels = part.slice(7) as 'fine' | 'coarse';
        else throw new UsageError(`${where}: unknown option ${JSON.stringify(part)}; use normalize=standard${variant === 100 ? ' or labels=coarse|fine' : ''}`);
      }
      load = async (split) => loadCifar({ dir: cifarDir, split, variant, ...options });
      break;
    }
    case 'moons': {
      const kv = parseKeyValues(rest, { n: 'int', noise: 'number', seed: 'int' }, where);
      load = heldOut(async () => twoMoons({ n: kv.n ?? 1000, noise: kv.noise ?? 0.1, seed: kv.seed ?? 0 }));
      break;
    }
    case 'spirals': {
      const kv = parseKeyValues(rest, { n: 'int', noise: 'number', classes: 'int', turns: 'number', seed: 'int' }, where);
      load = heldOut(async () => spirals({ n: kv.n ?? 1000, noise: kv.noise ?? 0.1, classes: kv.classes, turns: kv.turns, seed: kv.seed ?? 0 }));
      break;
    }
    case 'blobs': {
      const kv = parseKeyValues(rest, { n: 'int', classes: 'int', dims: 'int', std: 'number', seed: 'int' }, where);
      load = heldOut(async () => gaussianBlobs({ n: kv.n ?? 1000, classes: kv.classes, dims: kv.dims, std: kv.std, seed: kv.seed ?? 0 }));
      break;
    }
    default:
      throw new UsageError(`${where}: unknown data set ${JSON.stringify(kind)}; use mnist, fashion-mnist, idx:..., cifar10:<dir>, cifar100:<dir>, moons, spirals or blobs`);
  }
  return { spec, load: memo(load) };
}

/** Name, size, shape, classes and content hash of a data set, for manifests. */
export function describeData(data: DataSet): { name: string; n: number; shape: number[]; classes: number; hash: string } {
  return { name: data.name, n: data.n, shape: [...data.shape], classes: data.classes, hash: data.hash };
}

/** Parses `--data` and loads both splits. */
export async function loadSplits(spec: string): Promise<{ train: DataSet; test: DataSet }> {
  const source = parseDataSpec(spec);
  const [train, test] = await Promise.all([source.load('train'), source.load('test')]);
  return { train, test };
}

/** `--data` and `--out`, which every command that writes a run takes. */
export const IO_FLAGS = {
  data: { kind: 'string', value: 'spec', required: true, help: DATA_HELP },
  out: { kind: 'string', value: 'dir', required: true, help: 'output directory (created if needed)' },
} as const satisfies Record<string, FlagSpec>;
