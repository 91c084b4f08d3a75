/**
 * The lab's control state: every control's value, its default per source (playground, digits, your
 * models), and its round trip through the URL query (only values that differ from the defaults are
 * written, so a default link stays short). Changing a control resets the controls that depend on it.
 */

export type Source = 'play' | 'digits' | 'own';
export type PlayData = 'spirals' | 'moons' | 'blobs';
export type PathKey = 'line' | 'curve' | 'matched';

export interface LabState {
  src: Source;
  // playground data
  data: PlayData;
  n: number;
  noise: number;
  classes: number;
  // digits
  samples: number;
  // your models: built-in digits or IDX files
  owndata: 'digits' | 'idx';
  // the two networks
  width: number;
  depth: number;
  opt: 'adam' | 'sgd';
  lr: number;
  epochs: number;
  batch: number;
  seed: number;
  // analysis
  fit: number;
  points: number;
  grid: number;
  path: PathKey;
  t: number;
}

export type Key = keyof LabState;

type Spec =
  | { kind: 'int' | 'float'; min: number; max: number }
  | { kind: 'enum'; options: readonly string[] };

/** What each control accepts. */
export const SPECS: Record<Key, Spec> = {
  src: { kind: 'enum', options: ['play', 'digits', 'own'] },
  data: { kind: 'enum', options: ['spirals', 'moons', 'blobs'] },
  n: { kind: 'int', min: 100, max: 20000 },
  noise: { kind: 'float', min: 0, max: 5 },
  classes: { kind: 'int', min: 2, max: 8 },
  samples: { kind: 'int', min: 100, max: 8004 },
  owndata: { kind: 'enum', options: ['digits', 'idx'] },
  width: { kind: 'int', min: 2, max: 1024 },
  depth: { kind: 'int', min: 1, max: 6 },
  opt: { kind: 'enum', options: ['adam', 'sgd'] },
  lr: { kind: 'float', min: 1e-6, max: 10 },
  epochs: { kind: 'int', min: 1, max: 1000 },
  batch: { kind: 'int', min: 1, max: 4096 },
  seed: { kind: 'int', min: 0, max: 0xffffffff - 1 },
  fit: { kind: 'int', min: 0, max: 1000 },
  points: { kind: 'int', min: 3, max: 101 },
  grid: { kind: 'int', min: 3, max: 61 },
  path: { kind: 'enum', options: ['line', 'curve', 'matched'] },
  t: { kind: 'float', min: 0, max: 1 },
};

const BASE: LabState = {
  src: 'play', data: 'spirals', n: 1200, noise: 0.05, classes: 3, samples: 8004, owndata: 'digits',
  width: 64, depth: 2, opt: 'adam', lr: 0.01, epochs: 40, batch: 32, seed: 1,
  fit: 20, points: 21, grid: 21, path: 'line', t: 0.5,
};

// Defaults that show a clear barrier on each source (measured: docs/LAB.md).
const BY_SOURCE: Record<Source, Partial<LabState>> = {
  play: {},
  digits: { opt: 'sgd', lr: 0.05, epochs: 5, batch: 64, fit: 3, points: 11, grid: 15 },
  own: { fit: 2, points: 11, grid: 15, batch: 64, opt: 'sgd', lr: 0.05 },
};
const NOISE: Record<PlayData, number> = { spirals: 0.05, moons: 0.1, blobs: 1 };
const LR: Record<LabState['opt'], number> = { adam: 0.01, sgd: 0.05 };

/** The defaults for `src`, with the data-dependent and optimiser-dependent ones for `data` and `opt`. */
export function defaultsFor(src: Source, data: PlayData = 'spirals', opt?: LabState['opt']): LabState {
  const base = { ...BASE, ...BY_SOURCE[src], src, data, noise: NOISE[data] };
  if (opt && opt !== base.opt) Object.assign(base, { opt, lr: LR[opt] });
  return base;
}

/** Controls reset to their defaults when `key` changes. */
const DEPENDENTS: Partial<Record<Key, Key[]>> = { data: ['noise'], opt: ['lr'] };

/** A value for `key` from text, or undefined when it is not acceptable. */
export function parseValue(key: Key, text: string): LabState[Key] | undefined {
  const spec = SPECS[key];
  if (spec.kind === 'enum') return spec.options.includes(text) ? (text as LabState[Key]) : undefined;
  if (text.trim() === '') return undefined;
  const v = Number(text);
  if (!Number.isFinite(v) || (spec.kind === 'int' && !Number.isInteger(v))) return undefined;
  return Math.min(spec.max, Math.max(spec.min, v));
}

/** The state a query string describes (unknown keys and bad values are ignored). */
export function readState(query: string): LabState {
  const params = new URLSearchParams(query);
  const src = (parseValue('src', params.get('src') ?? '') ?? 'play') as Source;
  const data = (parseValue('data', params.get('data') ?? '') ?? 'spirals') as PlayData;
  const opt = parseValue('opt', params.get('opt') ?? '') as LabState['opt'] | undefined;
  const state = defaultsFor(src, data, opt);
  for (const key of Object.keys(SPECS) as Key[]) {
    const text = params.get(key);
    if (text === null) continue;
    const value = parseValue(key, text);
    if (value !== undefined) (state as unknown as Record<Key, unknown>)[key] = value;
  }
  return state;
}

/** The query string of `state`: the source, then every value that differs from its defaults. */
export function writeState(state: LabState): string {
  // data and opt against the source's defaults; the controls that depend on them against theirs.
  const base = defaultsFor(state.src);
  const dependent = defaultsFor(state.src, state.data, state.opt);
  const params = new URLSearchParams();
  for (const key of Object.keys(SPECS) as Key[]) {
    const fallback = key === 'src' ? 'play' : key === 'data' || key === 'opt' ? base[key] : dependent[key];
    if (state[key] !== fallback) params.set(key, String(state[key]));
  }
  return params.toString();
}

/** `state` with `key` set to `value` and its dependents reset (a new source resets everything). */
export function updateState<K extends Key>(state: LabState, key: K, value: LabState[K]): LabState {
  if (key === 'src') return defaultsFor(value as Source);
  const next = { ...state, [key]: value };
  const defaults = defaultsFor(next.src, next.data, next.opt);
  for (const dep of DEPENDENTS[key] ?? []) (next as unknown as Record<Key, unknown>)[dep] = defaults[dep];
  return next;
}

/** Hidden widths of both networks: `depth` layers of `width` units. */
export function listHidden(state: LabState): number[] {
  return Array.from({ length: state.depth }, () => state.width);
}
