/**
 * The CLI's compact spellings of architectures and schedules, turned into the library's data:
 * `mlp:784-512-512-10+bn+dropout=0.1`, `vgg:32-M-64-M+bn+hidden=128`, `resnet:16x3`,
 * `step:every=2,gamma=0.1`. Malformed specs are UsageErrors naming the flag.
 */
import { ModeconnError } from '../errors.js';
import { readFileBytes } from '../io/node-files.js';
import { validateArch, type Arch } from '../model/arch.js';
import { mlp, resnet, vgg } from '../model/builders.js';
import type { Schedule } from '../model/schedule.js';
import { UsageError } from './args.js';

type ValueKind = 'int' | 'number';

/** Parses `a=1,b=0.5` against the allowed keys; `where` names the flag in errors. */
export function parseKeyValues(text: string, allowed: Record<string, ValueKind>, where: string): Record<string, number> {
  const out: Record<string, number> = {};
  if (text === '') return out;
  for (const part of text.split(',')) {
    const [key, raw, extra] = part.split('=');
    if (raw === undefined || extra !== undefined || !(key in allowed)) {
      const keys = Object.keys(allowed);
      throw new UsageError(`${where}: expected key=value with key ${keys.length ? keys.join(', ') : '(none allowed)'}, got ${JSON.stringify(part)}`);
    }
    const value = Number(raw);
    if (raw.trim() === '' || !Number.isFinite(value) || (allowed[key] === 'int' && !Number.isInteger(value))) {
      throw new UsageError(`${where}: ${key} needs ${allowed[key] === 'int' ? 'an integer' : 'a number'}, got ${JSON.stringify(raw)}`);
    }
    out[key] = value;
  }
  return out;
}

/** `name:rest` → [name, rest]; rest is '' when there is no colon. */
export function splitSpec(spec: string): [string, string] {
  const colon = spec.indexOf(':');
  return colon < 0 ? [spec, ''] : [spec.slice(0, colon), spec.slice(colon + 1)];
}

/** What the data set tells an arch spec: sample shape and class count. */
export interface DataShape {
  shape: readonly number[];
  classes: number;
}

function dashNumbers(text: string, where: string, allowM = false): Array<number | 'M'> {
  if (text === '') throw new UsageError(`${where}: needs a list of numbers separated by -`);
  return text.split('-').map((part) => {
    if (allowM && part === 'M') return 'M';
    if (!/^\d+$/.test(part) || Number(part) < 1) throw new UsageError(`${where}: ${JSON.stringify(part)} is not a positive integer${allowM ? " or 'M'" : ''}`);
    return Number(part);
  });
}

/** Builds an arch from `--arch` for data of the given shape (input size and classes are checked). */
export function parseArchSpec(spec: string, data: DataShape): Arch {
  const where = `--arch ${spec}`;
  const [base, ...options] = spec.split('+');
  const [family, body] = splitSpec(base);
  const opts: { bn?: boolean; dropout?: number; hidden?: number[] } = {};
  for (const option of options) {
    const [key, value] = splitSpec(option.replace('=', ':'));
    if (key === 'bn' && value === '') opts.bn = true;
    else if (key === 'dropout' && value !== '' && Number.isFinite(Number(value))) opts.dropout = Number(value);
    else if (key === 'hidden' && family === 'vgg') opts.hidden = dashNumbers(value, `${where}: hidden`) as number[];
    else throw new UsageError(`${where}: unknown option +${option}; use +bn, +dropout=<p>${family === 'vgg' ? ' or +hidden=<w>-<w>' : ''}`);
  }
  const features = data.shape.reduce((a, b) => a * b, 1);
  const image = data.shape.length === 3;
  try {
    switch (family) {
      case 'mlp': {
        const sizes = dashNumbers(body, where) as number[];
        if (sizes.length < 2) throw new UsageError(`${where}: needs at least input and output sizes, e.g. mlp:784-64-10`);
        if (sizes[0] !== features) {
          throw new UsageError(`${where}: input size ${sizes[0]} does not match the data's samples of [${data.shape.join(', ')}] = ${features} values`);
        }
        const classes = sizes[sizes.length - 1];
        if (classes !== data.classes) throw new UsageError(`${where}: output size ${classes} does not match the data's ${data.classes} classes`);
        return mlp({ input: image ? [...data.shape] : features, hidden: sizes.slice(1, -1), classes, batchNorm: opts.bn, dropout: opts.dropout });
      }
      case 'vgg':
      case 'resnet': {
        if (!image) throw new UsageError(`${where}: ${family} needs image data [c, h, w]; this data set has samples of [${data.shape.join(', ')}]`);
        if (family === 'vgg') {
          const channels = dashNumbers(body, where, true);
          return vgg({ input: [...data.shape], channels, classes: data.classes, batchNorm: opts.bn, hidden: opts.hidden, dropout: opts.dropout });
        }
        if (opts.bn || opts.dropout !== undefined) throw new UsageError(`${where}: resnet takes no options (BatchNorm is built in)`);
        const match = /^(\d+)x(\d+(?:-\d+)*)$/.exec(body);
        if (!match) throw new UsageError(`${where}: expected resnet:<width>x<blocks>, e.g. resnet:16x3 or resnet:16x2-2-2`);
        const blocks = match[2].split('-').map(Number);
        return resnet({ input: [...data.shape], width: Number(match[1]), blocks: blocks.length === 1 ? blocks[0] : blocks, classes: data.classes });
      }
      default:
        throw new UsageError(`${where}: unknown family ${JSON.stringify(family)}; use mlp:, vgg: or resnet:`);
    }
  } catch (error) {
    // The builders' own argument checks (e.g. a zero width) are still a bad flag value.
    if (error instanceof ModeconnError && error.code === 'BAD_ARGUMENT') throw new UsageError(`${where}: ${error.message}`);
    throw error;
  }
}

/** Reads an arch JSON file (an `Arch`: input, classes, layers) and validates it. */
export async function readArchFile(path: string): Promise<Arch> {
  const text = new TextDecoder().decode(await readFileBytes(path));
  let arch: Arch;
  try {
    arch = JSON.parse(text) as Arch;
  } catch (cause) {
    throw new ModeconnError('BAD_FILE', `${path}: not valid JSON (${(cause as Error).message})`, { cause });
  }
  try {
    validateArch(arch);
  } catch (error) {
    if (error instanceof ModeconnError) throw new ModeconnError(error.code, `${path}: ${error.message}`, { cause: error });
    throw error;
  }
  return arch;
}

/** `--schedule`: constant | step:every=2,gamma=0.1 | cosine[:min=0] | cyclic:cycle=2,min=0.001 (also cyclic-cosine:…, sawtooth:…). */
export function parseSchedule(spec: string): Schedule {
  const [type, rest] = splitSpec(spec);
  const where = `--schedule ${spec}`;
  switch (type) {
    case 'constant':
      parseKeyValues(rest, {}, where);
      return { type: 'constant' };
    case 'step': {
      const kv = parseKeyValues(rest, { every: 'number', gamma: 'number' }, where);
      if (!(kv.every > 0)) throw new UsageError(`${where}: needs every=<epochs> > 0`);
      return { type: 'step', every: kv.every, gamma: kv.gamma ?? 0.1 };
    }
    case 'cosine': {
      const kv = parseKeyValues(rest, { min: 'number' }, where);
      return { type: 'cosine', lrMin: kv.min ?? 0 };
    }
    case 'cyclic':
    case 'cyclic-cosine':
    case 'sawtooth': {
      const kv = parseKeyValues(rest, { cycle: 'number', min: 'number' }, where);
      if (!(kv.cycle > 0) || !(kv.min > 0)) throw new UsageError(`${where}: needs cycle=<epochs> > 0 and min=<lr> > 0`);
      const shape = type === 'cyclic' ? {} : { shape: type === 'sawtooth' ? 'sawtooth' as const : 'cosine' as const };
      return { type: 'cyclic', cycle: kv.cycle, lrMin: kv.min, ...shape };
    }
    default:
      throw new UsageError(`${where}: unknown schedule ${JSON.stringify(type)}; use constant, step:every=N,gamma=G, cosine[:min=M], ` +
        'cyclic:cycle=C,min=M (triangle), cyclic-cosine:cycle=C,min=M or sawtooth:cycle=C,min=M');
  }
}
