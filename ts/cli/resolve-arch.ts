/** Which architecture a command uses: `--arch` (built for the data) or `--arch-file`, never both. */
import type { DataSet } from '../data/dataset.js';
import type { Arch } from '../model/arch.js';
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
