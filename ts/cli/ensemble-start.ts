/**
 * The start shared by `modeconn fge` and `modeconn swa`: a trained model file (positional; its
 * optimiser state is not stored, so momentum starts at zero) or `--pretrain n` epochs from scratch
 * with `--arch` (a cosine schedule at `--pretrain-lr`, its momentum carried into the tail).
 */
import type { DataSet } from '../data/dataset.js';
import type { Start } from '../ensembles/start.js';
import type { Arch } from '../model/arch.js';
import { UsageError } from './args.js';
import { readModel, resolveArch, type ModelFlags } from './resolve-arch.js';

/** The flags of the start (spread into a command's flags). */
export const START_FLAGS = {
  pretrain: { kind: 'int', min: 1, value: 'epochs', help: 'train a network from scratch for this many epochs first (with --arch; instead of a model file)' },
  pretrainLr: { kind: 'number', min: 0, value: 'lr', help: 'pretraining learning rate (cosine to 0; default 0.05)' },
} as const;

/** The architecture, the start and a description of it for the report. */
export async function resolveEnsembleStart(
  positionals: readonly string[], flags: ModelFlags & { pretrain?: number; pretrainLr?: number; seed: number }, train: DataSet, usage: string,
): Promise<{ arch: Arch; start: Start; input: Record<string, unknown> }> {
  if (positionals.length > 1) throw new UsageError(`give at most one model file; usage: ${usage}`);
  if (positionals.length === 1) {
    if (flags.pretrain !== undefined) throw new UsageError('give a model file or --pretrain, not both');
    const { model, metadata } = await readModel(positionals[0], flags, train);
    return { arch: model.arch, start: { model: { params: model.params } }, input: { file: positionals[0], metadata } };
  }
  if (flags.pretrain === undefined) throw new UsageError(`give a trained model file, or --pretrain <epochs> with --arch; usage: ${usage}`);
  const arch = await resolveArch(flags, train);
  const lr = flags.pretrainLr ?? 0.05;
  const pretrain = { epochs: flags.pretrain, seed: flags.seed, schedule: { type: 'cosine' as const }, optimizer: { type: 'sgd' as const, lr, momentum: 0.9 } };
  return { arch, start: { pretrain }, input: { pretrain } };
}
