/**
 * A small typed flag parser: a command declares its flags once (camelCase keys, shown as
 * `--kebab-case`), and gets back typed values, its help text and usage errors (exit code 2).
 * Accepts `--flag value`, `--flag=value`, `--bool`, `--no-bool`, `-h`, and `--` before positionals.
 */

/** A wrong command line: unknown flag, missing or malformed value. The CLI exits with code 2. */
export class UsageError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'UsageError';
  }
}

export type FlagKind = 'string' | 'int' | 'number' | 'boolean';

type KindValue<K extends FlagKind> = K extends 'boolean' ? boolean : K extends 'string' ? string : number;

/** One flag: its kind, help line and constraints. */
export interface FlagSpec<K extends FlagKind = FlagKind> {
  kind: K;
  help: string;
  /** Placeholder in the help text, e.g. `dir` → `--out <dir>`. */
  value?: string;
  default?: KindValue<K>;
  required?: boolean;
  /** Allowed values of a string flag. */
  choices?: readonly string[];
  /** Bounds of a numeric flag (inclusive). */
  min?: number;
  max?: number;
  /** A one-letter alias, e.g. `q` for `-q`. */
  short?: string;
}

export type FlagSpecs = Record<string, FlagSpec>;

/** What a command declares: its name, one-line summary, usage, flags and examples. */
export interface CommandSpec<F extends FlagSpecs = FlagSpecs> {
  name: string;
  summary: string;
  usage: string;
  /** Paragraphs printed after the usage line. */
  description?: string;
  flags: F;
  examples?: string[];
}

/** The parsed values: flags with a default, booleans and required flags are always present. */
export type ParsedFlags<F extends FlagSpecs> = {
  -readonly [N in keyof F]: F[N] extends FlagSpec<infer K>
    ? F[N] extends { default: unknown } | { required: true } | { kind: 'boolean' }
      ? KindValue<K>
      : KindValue<K> | undefined
    : never;
} & { help: boolean };

/** `batchSize` → `batch-size`. */
export function kebab(name: string): string {
  return name.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`);
}

/** Parses `argv` (without the command name) against `spec`; throws UsageError. */
export function parseArgs<F extends FlagSpecs>(spec: CommandSpec<F>, argv: readonly string[]): ParsedFlags<F> {
  const byFlag = new Map<string, string>();
  const byShort = new Map<string, string>();
  for (const [key, flag] of Object.entries(spec.flags)) {
    byFlag.set(kebab(key), key);
    if (flag.short) byShort.set(flag.short, key);
  }
  const out: Record<string, unknown> = { help: false };
  const seen = new Set<string>();
  const set = (key: string, raw: string | boolean, shown: string) => {
    if (seen.has(key)) throw new UsageError(`${shown} is given twice`);
    seen.add(key);
    out[key] = convert(spec.flags[key], raw, shown);
  };
  for (let i = 0; i < argv.length; i++) {
    const token = argv[i];
    if (token === '--help' || token === '-h') {
      out.help = true;
      continue;
    }
    if (token === '--') {
      if (i + 1 < argv.length) throw new UsageError(`unexpected argument ${JSON.stringify(argv[i + 1])}`);
      break;
    }
    if (/^-[A-Za-z]$/.test(token)) {
      const key = byShort.get(token.slice(1));
      if (!key) throw new UsageError(`unknown flag ${token}`);
      if (spec.flags[key].kind !== 'boolean') throw new UsageError(`${token} needs --${kebab(key)} <${spec.flags[key].value ?? 'value'}>`);
      set(key, true, token);
      continue;
    }
    if (!token.startsWith('--')) throw new UsageError(`unexpected argument ${JSON.stringify(token)}${byFlag.has(token) ? `; did you mean --${token}?` : ''}`);
    const eq = token.indexOf('=');
    const name = token.slice(2, eq < 0 ? undefined : eq);
    const inline = eq < 0 ? undefined : token.slice(eq + 1);
    const key = byFlag.get(name);
    if (!key && name.startsWith('no-')) {
      const positive = byFlag.get(name.slice(3));
      if (positive && spec.flags[positive].kind === 'boolean' && inline === undefined) {
        set(positive, false, `--${name.slice(3)}`);
        continue;
      }
    }
    if (!key) throw new UsageError(`unknown flag --${name}${suggest(name, [...byFlag.keys()])}`);
    const flag = spec.flags[key];
    const shown = `--${name}`;
    if (flag.kind === 'boolean') {
      set(key, inline ?? true, shown);
      continue;
    }
    let raw = inline;
    if (raw === undefined) {
      const next = argv[i + 1];
      if (next === undefined || (next.startsWith('--') && next.length > 2)) {
        throw new UsageError(`${shown} needs a value <${flag.value ?? flag.kind}>`);
      }
      raw = next;
      i++;
    }
    set(key, raw, shown);
  }
  for (const [key, flag] of Object.entries(spec.flags)) {
    if (key in out) continue;
    if (flag.default !== undefined) out[key] = flag.default;
    else if (flag.kind === 'boolean') out[key] = false;
    else if (flag.required && !out.help) throw new UsageError(`--${kebab(key)} is required`);
  }
  return out as ParsedFlags<F>;
}

function convert(flag: FlagSpec, raw: string | boolean, shown: string): string | number | boolean {
  if (flag.kind === 'boolean') {
    if (typeof raw === 'boolean') return raw;
    if (raw === 'true' || raw === '1') return true;
    if (raw === 'false' || raw === '0') return false;
    throw new UsageError(`${shown} takes no value or true/false, got ${JSON.stringify(raw)}`);
  }
  const text = String(raw);
  if (flag.kind === 'string') {
    if (text === '') throw new UsageError(`${shown} needs a non-empty value`);
    if (flag.choices && !flag.choices.includes(text)) {
      throw new UsageError(`${shown} must be one of ${flag.choices.join(', ')}, got ${JSON.stringify(text)}`);
    }
    return text;
  }
  const value = flag.kind === 'int' ? (/^[+-]?\d+$/.test(text.trim()) ? Number(text) : NaN) : text.trim() === '' ? NaN : Number(text);
  if (!Number.isFinite(value) || (flag.kind === 'int' && !Number.isSafeInteger(value))) {
    throw new UsageError(`${shown} needs ${flag.kind === 'int' ? 'an integer' : 'a number'}, got ${JSON.stringify(text)}`);
  }
  if (flag.min !== undefined && value < flag.min) throw new UsageError(`${shown} must be at least ${flag.min}, got ${text}`);
  if (flag.max !== undefined && value > flag.max) throw new UsageError(`${shown} must be at most ${flag.max}, got ${text}`);
  return value;
}

/** `; did you mean --x?` for the closest known name within edit distance 2. */
export function suggest(name: string, known: string[], prefix = '--'): string {
  let best = '';
  let bestDistance = 3;
  for (const k of known) {
    const d = editDistance(name, k);
    if (d < bestDistance) [best, bestDistance] = [k, d];
  }
  return best ? `; did you mean ${prefix}${best}?` : '';
}

function editDistance(a: string, b: string): number {
  let prev = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const cur = [i];
    for (let j = 1; j <= b.length; j++) {
      cur[j] = Math.min(prev[j] + 1, cur[j - 1] + 1, prev[j - 1] + (a[i - 1] === b[j - 1] ? 0 : 1));
    }
    prev = cur;
  }
  return prev[b.length];
}

/** The help text of a command: usage, description, one aligned row per flag, examples. */
export function formatHelp(spec: CommandSpec): string {
  const rows: Array<[string, string]> = Object.entries(spec.flags).map(([key, flag]) => {
    const short = flag.short ? `-${flag.short}, ` : '';
    const value = flag.kind === 'boolean' ? '' : ` <${flag.value ?? flag.kind}>`;
    const notes: string[] = [];
    if (flag.required) notes.push('required');
    if (flag.default !== undefined && flag.kind !== 'boolean') notes.push(`default ${flag.default}`);
    return [`${short}--${kebab(key)}${value}`, flag.help + (notes.length ? ` (${notes.join('; ')})` : '')];
  });
  rows.push(['-h, --help', 'show this help']);
  const width = Math.max(...rows.map(([left]) => left.length)) + 2;
  const lines = [`Usage: ${spec.usage}`, '', spec.summary];
  if (spec.description) lines.push('', spec.description);
  lines.push('', 'Options:');
  for (const [left, right] of rows) {
    const [first, ...rest] = right.split('\n');
    lines.push(`  ${left.padEnd(width)}${first}`);
    for (const more of rest) lines.push(`  ${' '.repeat(width)}${more}`);
  }
  if (spec.examples?.length) lines.push('', 'Examples:', ...spec.examples.map((e) => `  ${e}`));
  return `${lines.join('\n')}\n`;
}
