// The layers of ts/ point one way (README "Layout"): kernels and wasm below data, model below the
// feature folders (paths, align, …), the worker pool beside the features (it implements the model's
// Runner and imports only the model and what is below it), the CLI on top; ts/reference is the test
// oracle and no library module imports it; and no import circle exists anywhere in ts/.
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const root = resolve(fileURLToPath(new URL('../ts', import.meta.url)));

function files(dir: string): string[] {
  return readdirSync(dir).flatMap((f) => {
    const p = join(dir, f);
    return statSync(p).isDirectory() ? files(p) : p.endsWith('.ts') && !p.endsWith('.d.ts') ? [p] : [];
  });
}

/** Relative imports (static, type-only, re-exports and dynamic) of a file, resolved to .ts paths under ts/. */
function importsOf(file: string): string[] {
  const src = readFileSync(file, 'utf8');
  const specs = [...src.matchAll(/(?:import|export)\s[^'"]*?from\s+'(\.[^']+)'|import\(\s*'(\.[^']+)'\s*\)/g)].map((m) => m[1] ?? m[2]);
  return specs.map((s) => resolve(dirname(file), s.replace(/\.js$/, '.ts')));
}

/** Files that only wrap the host (Node's file system): every layer may use them. */
const HOST = ['io/node-files.ts'];

/** The layer of a file: its first folder under ts/, or the file name at the top; 'host' for HOST files. */
const layerOf = (file: string) => (HOST.includes(relative(root, file)) ? 'host' : relative(root, file).split('/')[0].replace(/\.ts$/, ''));

const BELOW_MODEL = ['errors', 'event-loop', 'kernels', 'wasm', 'data'];
/** What each lower layer may import; every other folder is a feature (paths, align, …) unless named here. */
const ALLOWED: Record<string, string[]> = {
  errors: [],
  'event-loop': [],
  kernels: ['errors'],
  wasm: ['errors', 'kernels'],
  data: ['errors', 'kernels'],
  model: [...BELOW_MODEL],
  io: [...BELOW_MODEL, 'model'],
  host: ['errors'],
  reference: ['errors', 'kernels', 'model'],
  workers: [...BELOW_MODEL, 'model', 'io'],
  plot: ['errors'],
};
const TOP = ['cli', 'index'];

function allowed(from: string, to: string): boolean {
  if (from === to || (to === 'host' && from !== 'host')) return true;
  if (to === 'reference') return from === 'reference';
  if (from in ALLOWED) return ALLOWED[from].includes(to);
  if (TOP.includes(from)) return true;
  // A feature folder: anything below the workers and the CLI, other features included.
  return !['workers', ...TOP].includes(to);
}

const graph = new Map(files(root).map((f) => [f, importsOf(f)]));

describe('layering of ts/', () => {
  it('every import points down (and nothing but tests imports ts/reference)', () => {
    const wrong: string[] = [];
    for (const [file, deps] of graph) {
      for (const dep of deps) {
        if (!allowed(layerOf(file), layerOf(dep))) wrong.push(`${relative(root, file)} → ${relative(root, dep)}`);
      }
    }
    expect(wrong).toEqual([]);
  });

  it('the rule itself: model importing workers, or a feature importing the oracle, is refused', () => {
    expect(allowed('model', 'workers')).toBe(false);
    expect(allowed('io', 'workers')).toBe(false);
    expect(allowed('kernels', 'model')).toBe(false);
    expect(allowed('paths', 'reference')).toBe(false);
    expect(allowed('paths', 'workers')).toBe(false);
    expect(allowed('workers', 'paths')).toBe(false);
    expect(allowed('paths', 'align')).toBe(true);
    expect(allowed('cli', 'workers')).toBe(true);
  });

  it('has no import circle', () => {
    const state = new Map<string, 'open' | 'done'>();
    const cycles: string[] = [];
    const visit = (file: string, stack: string[]) => {
      if (state.get(file) === 'done') return;
      if (state.get(file) === 'open') {
        cycles.push([...stack.slice(stack.indexOf(file)), file].map((f) => relative(root, f)).join(' → '));
        return;
      }
      state.set(file, 'open');
      for (const dep of graph.get(file) ?? []) if (graph.has(dep)) visit(dep, [...stack, file]);
      state.set(file, 'done');
    };
    for (const file of graph.keys()) visit(file, []);
    expect(cycles).toEqual([]);
  });
});
