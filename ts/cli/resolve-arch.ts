/**
 * Which architecture a command uses: `--arch` (built for the data) or `--arch-file`, never both;
 * for a model file, the arch `modeconn train` stored in its metadata when neither is given.
 */
import type { DataSet } from '../data/dataset.js';
import { ModeconnError } from '../errors.js';
import { loadModel } from '../io/model-files.js';
import { loadSafetensors } from '../io/safetensors-files.js';
import type { Arch } from '../model/arch.js';
import type { Model } from '../model/train.js';
import { UsageError } from './args.js';
import { parseArchSpec, readArchFile } from './specs.js';

/** The --arch help text. */
export const ARCH_HELP =
  'mlp:<in>-<hidden>...-<classes>[+bn][+dropout=<p>] | vgg:<c>-M-<c>-M...[+bn][+hidden=<w>][+dropout=<p>]\n' +
  '| resnet:<width>x<blocks> (e.g. resnet:16x3, resnet:16x2-2-2); vgg/resnet take input and classes from the data';

/**
 * The arch from `--arch` or `--arch-file`; `fallback` (e.g. from a model file's metadata) when
 * neither is given and `required` is false.
 */
export async function resolveArch(flags: { arch?: string; archFile?: string }, data: DataSet, fallback?: Arch): Promise<Arch>;
export async function resolveArch(flags: { arch?: string; archFile?: string }, data: DataSet, fallback: Arch | undefined, required: false): Promise<Arch | undefined>;
export async function resolveArch(flags: { arch?: string; archFile?: string }, data: DataSet, fallback?: Arch, required = true): Promise<Arch | undefined> {
  if (flags.arch !== undefined && flags.archFile !== undefined) throw new UsageError('give either --arch or --arch-file, not both');
  if (flags.arch !== undefined) return parseArchSpec(flags.arch, data);
  if (flags.archFile !== undefined) return readArchFile(flags.archFile);
  if (fallback || !required) return fallback;
  throw new UsageError('--arch or --arch-file is required');
}

/**
 * Reads a model file with the arch from the flags, else from its "arch" metadata (written by
 * `modeconn train`), else as the loader infers it; returns the model and the file's metadata.
 */
export async function readModel(path: string, flags: { arch?: string; archFile?: string }, data: DataSet): Promise<{ model: Model; metadata: Record<string, string> }> {
  const { metadata } = await loadSafetensors(path);
  const arch = await resolveArch(flags, data, archFromMetadata(path, metadata), false);
  const model = await loadModel(path, arch ? { arch } : {});
  return { model, metadata };
}

function archFromMetadata(path: string, metadata: Record<string, string>): Arch | undefined {
  if (metadata.arch === undefined) return undefined;
  try {
    return JSON.parse(metadata.arch) as Arch;
  } catch (cause) {
    throw new ModeconnError('BAD_FILE', `${path}: the "arch" metadata is not valid JSON`, { advice: 'pass --arch or --arch-file', cause });
  }
}
