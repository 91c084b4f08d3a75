/**
 * CIFAR-10 and CIFAR-100 in their binary formats (Krizhevsky 2009): records of label byte(s) then
 * 3072 pixel bytes (1024 red, 1024 green, 1024 blue, each 32x32 row-major). CIFAR-10: 1 label byte,
 * files data_batch_1..5.bin / test_batch.bin; CIFAR-100: coarse then fine label byte, train.bin /
 * test.bin. Samples become [n, 3, 32, 32] floats x = byte / 255 (torchvision's ToTensor), optionally
 * standardised per channel.
 */
import { ModeconnError } from '../errors.js';
import { createDataSet, type DataSet } from './dataset.js';

/** Which CIFAR. */
export type CifarVariant = 10 | 100;

/** Per-channel mean and std of the training images (x = byte / 255, population std over every pixel). */
export interface ChannelStats { mean: [number, number, number]; std: [number, number, number] }

/**
 * The usual normalisation constants. CIFAR-10: the per-pixel mean and std of the 50,000 training
 * images (computed so in Stevens, Antiga & Viehmann, Deep Learning with PyTorch, 2020, §7.1.4; note
 * the often-copied std (0.2023, 0.1994, 0.2010) is a mean of per-image stds, not this). CIFAR-100: the
 * same statistics as used by weiaicunzai/pytorch-cifar100 (conf/global_settings.py).
 */
export const CIFAR_STATS: Readonly<Record<CifarVariant, ChannelStats>> = {
  10: { mean: [0.4914, 0.4822, 0.4465], std: [0.2470, 0.2435, 0.2616] },
  100: { mean: [0.5071, 0.4865, 0.4409], std: [0.2673, 0.2564, 0.2762] },
};

const PIXELS = 3 * 32 * 32;

/** Options of `parseCifar`. */
export interface ParseCifarOptions {
  variant: CifarVariant;
  /** CIFAR-100's label: 'fine' (100 classes, default) or 'coarse' (20 superclasses). CIFAR-10 has one. */
  labels?: 'fine' | 'coarse';
  /** Per-channel standardisation: 'standard' (CIFAR_STATS), explicit statistics, or false (default: x in [0, 1]). */
  normalize?: 'standard' | ChannelStats | false;
  /** Data set name for manifests (default cifar10 / cifar100). */
  name?: string;
}

/** Bytes per record of a variant. */
export function cifarRecordSize(variant: CifarVariant): number {
  return (variant === 10 ? 1 : 2) + PIXELS;
}

function checkOptions(options: ParseCifarOptions): void {
  if (options.variant !== 10 && options.variant !== 100) throw new ModeconnError('BAD_ARGUMENT', `CIFAR variant must be 10 or 100, got ${String(options.variant)}`);
  const labels = options.labels ?? 'fine';
  if (labels !== 'fine' && labels !== 'coarse') throw new ModeconnError('BAD_ARGUMENT', `CIFAR labels must be 'fine' or 'coarse', got ${String(labels)}`);
  if (labels === 'coarse' && options.variant === 10) throw new ModeconnError('BAD_ARGUMENT', 'CIFAR-10 has no coarse labels (CIFAR-100 has)');
  const n = options.normalize;
  if (n !== undefined && n !== false && n !== 'standard') {
    const ok = (xs: unknown, positive: boolean) => Array.isArray(xs) && xs.length === 3 && xs.every((v) => typeof v === 'number' && Number.isFinite(v) && (!positive || v > 0));
    if (typeof n !== 'object' || !ok(n.mean, false) || !ok(n.std, true)) {
      throw new ModeconnError('BAD_ARGUMENT', 'CIFAR normalize must be \'standard\', false, or { mean: [3 numbers], std: [3 positive numbers] }');
    }
  }
}

/**
 * Parses CIFAR binary files (one split, any number of files, each a whole number of records) into a
 * DataSet [n, 3, 32, 32]. BAD_FILE naming the file for a size that is no multiple of the record or
 * a label out of range.
 */
export function parseCifar(files: Array<{ name: string; bytes: Uint8Array }>, options: ParseCifarOptions): DataSet {
  checkOptions(options);
  const { variant } = options;
  const coarse = options.labels === 'coarse';
  const record = cifarRecordSize(variant);
  const classes = variant === 10 ? 10 : coarse ? 20 : 100;
  let n = 0;
  for (const { name, bytes } of files) {
    if (bytes.length === 0 || bytes.length % record !== 0) {
      throw new ModeconnError('BAD_FILE', `${name}: ${bytes.length} bytes is not a whole number of ${record}-byte CIFAR-${variant} records`, {
        advice: variant === 10 ? 'is it a CIFAR-100 file? (records of 3074 bytes)' : 'is it a CIFAR-10 file? (records of 3073 bytes)',
      });
    }
    n += bytes.length / record;
  }
  if (n === 0) throw new ModeconnError('EMPTY_DATA', `CIFAR-${variant}: no files given`);
  const stats = options.normalize === 'standard' ? CIFAR_STATS[variant] : options.normalize || null;
  const scale = [0, 1, 2].map((c) => (stats ? 1 / (255 * stats.std[c]) : 1 / 255));
  const shift = [0, 1, 2].map((c) => (stats ? stats.mean[c] / stats.std[c] : 0));
  const x = new Float32Array(n * PIXELS);
  const y = new Uint32Array(n);
  let i = 0;
  for (const { name, bytes } of files) {
    for (let at = 0; at < bytes.length; at += record, i++) {
      const label = variant === 10 ? bytes[at] : bytes[at + (coarse ? 0 : 1)];
      if (label >= classes) {
        throw new ModeconnError('BAD_FILE', `${name}: record ${at / record} has ${coarse ? 'coarse ' : variant === 100 ? 'fine ' : ''}label ${label}, not below ${classes}`);
      }
      y[i] = label;
      const pixels = at + record - PIXELS;
      for (let k = 0; k < PIXELS; k++) {
        const c = k >> 10;
        x[i * PIXELS + k] = bytes[pixels + k] * scale[c] - shift[c];
      }
    }
  }
  return createDataSet({ name: options.name ?? `cifar${variant}`, x, y, shape: [3, 32, 32], classes });
}
