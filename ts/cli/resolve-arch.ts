/**
 * Which architecture a command uses: `--arch` (built for the data) or `--arch-file`, never both;
 * for a model file, the arch stored in its metadata when neither is given.
 */
import type { DataSet } from '../data/dataset.js';
import { loadModel } from '../io/model-files.js';
import { loadSafetensors } from '../io/safetensors-files.js';
import type { Arch } from '../model/arch.js';
import type { Model } from '../model/model.js';
import { parseArgs, UsageError, type CommandSpec, type FlagSpec, type FlagSpecs, type ParsedFlags } from './args.js';
import { loadSplits } from './data-spec.js';
import { expectPositionals, splitPositionals } from './positionals.js';
import { expectSameArch } from './path-run.js';
import { parseArchSpec, readArchFile } from './specs.js';

/** The --arch help text. */
export const ARCH_HELP =
  'mlp:<in>-<hidden>...-<classes>[+bn][+dropout=<p>] | vgg:<c>-M-<c>-M...[+bn][+hidden=<w>][+dropout=<p>]\n' +
  '| resnet:<width>x<blocks> (e.g. resnet:16x3, resnet:16x2-2-2); vgg/resnet take input and classes from the data';

/** The --arch and --arch-file flags of the commands that read model files. */
export const ARCH_FLAGS = {
  arch: { kind: 'string', value: 'spec', help: ARCH_HELP },
  archFile: { kind: 'string', value: 'file', help: 'architecture as JSON' },
} as const satisfies Record<string, FlagSpec>;

/** The arch from `--arch` or `--arch-file`; undefined when neither is given and `required` is false. */
export async function resolveArch(flags: { arch?: string; archFile?: string }, data: DataSet): Promise<Arch>;
export async function resolveArch(flags: { arch?: string; archFile?: string }, data: DataSet, required: false): Promise<Arch | undefined>;
export async function resolveArch(flags: { arch?: string; archFile?: string }, data: DataSet, required = true): Promise<Arch | undefined> {
  if (flags.arch !== undefined && flags.archFile !== undefined) throw new UsageError('give either --arch or --arch-file, not both');
  if (flags.arch !== undefined) return parseArchSpec(flags.arch, data);
  if (flags.archFile !== undefined) return readArchFile(flags.archFile);
  if (!required) return undefined;
  throw new UsageError('--arch or --arch-file is required');
}

/**
 * Reads a model file with the arch from the flags; without them the loader takes the arch the file
 * stores ("modeconn.arch", written by `modeconn train`) or infers an nn.Sequential MLP.
 */
export async function readModel(path: string, flags: { arch?: string; archFile?: string }, data: DataSet): Promise<{ model: Model; metadata: Record<string, string> }> {
  const { metadata } = await loadSafetensors(path);
  const arch = await resolveArch(flags, data, false);
  const model = await loadModel(path, arch ? { arch } : {});
  return { model, metadata };
}

/** Reads models A and B (see readModel) and checks that they have one architecture. */
export async function readModelPair(fileA: string, fileB: string, flags: { arch?: string; archFile?: string }, data: DataSet) {
  const a = await readModel(fileA, flags, data);
  const b = await readModel(fileB, flags, data);
  expectSameArch(a.model.arch, b.model.arch, fileA, fileB);
  const inputs = { a: { file: fileA, metadata: a.metadata }, b: { file: fileB, metadata: b.metadata } };
  return { a: a.model, b: b.model, arch: a.model.arch, inputs };
}

/** Reads several model files of one architecture (the first's); BAD_ARGUMENT when they differ. */
export async function readModels(files: readonly string[], flags: { arch?: string; archFile?: string }, data: DataSet) {
  const models: Array<{ file: string } & Awaited<ReturnType<typeof readModel>>> = [];
  for (const file of files) models.push({ file, ...(await readModel(file, flags, data)) });
  models.slice(1).forEach((m) => expectSameArch(models[0].model.arch, m.model.arch, models[0].file, m.file));
  return models;
}

/**
 * The start of a command on two models: its flags, the data splits, and A and B (one architecture),
 * from `modeconn <command> A.safetensors B.safetensors --data … [flags]`.
 */
export async function startPairCommand<F extends FlagSpecs>(spec: CommandSpec<F>, argv: string[]) {
  const { positionals, flags: flagArgs } = splitPositionals(spec, argv);
  const flags = parseArgs(spec, flagArgs) as ParsedFlags<F> & { data: string; arch?: string; archFile?: string };
  const [fileA, fileB] = expectPositionals(positionals, ['A.safetensors', 'B.safetensors'], spec.usage);
  const { train, test } = await loadSplits(flags.data);
  return { flags, train, test, ...(await readModelPair(fileA, fileB, flags, train)) };
}
