// The cli entry is Node-only and lives apart: it starts with a shebang, while the browser entries
// (and every chunk they import, statically or dynamically, with `#host` and `#spawn-worker` taken
// as browsers resolve them) stay free of node: imports and of packages outside the bundle.
import { readFileSync, statSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { CLI, requireBuilt } from './run-cli.js';

const IMPORT = /(?:^|[;\s])(?:import|export)\s[^;]*?from\s*'([^']+)'|^import\s*'([^']+)'|\bimport\(\s*'([^']+)'\s*\)/gm;
const pkg = JSON.parse(readFileSync(join(dirname(CLI), '..', 'package.json'), 'utf8')) as {
  bin: unknown;
  imports: Record<string, { node: string; default: string }>;
};

/** Every module reachable from `entry`, with package "imports" mapped under `condition`; bare specifiers kept as they are. */
function importGraph(entry: string, condition: 'node' | 'default', seen = new Set<string>()): Set<string> {
  if (seen.has(entry)) return seen;
  seen.add(entry);
  for (const m of readFileSync(entry, 'utf8').matchAll(IMPORT)) {
    const spec = m[1] ?? m[2] ?? m[3];
    if (spec.startsWith('.')) importGraph(join(dirname(entry), spec), condition, seen);
    else if (spec.startsWith('#')) importGraph(join(dirname(CLI), '..', pkg.imports[spec][condition]), condition, seen);
    else seen.add(spec);
  }
  return seen;
}

describe('bundle layout (dist/)', () => {
  it('dist/cli.js is an executable node script', () => {
    requireBuilt();
    expect(readFileSync(CLI, 'utf8').startsWith('#!/usr/bin/env node\n')).toBe(true);
    expect(statSync(CLI).mode & 0o111).not.toBe(0);
    expect(pkg.bin).toEqual({ modeconn: './dist/cli.js' });
  });

  it.each([['index.js'], ['reference.js'], ['worker.js']])('dist/%s reaches no node: module and no package, statically or dynamically', (name) => {
    const graph = [...importGraph(join(dirname(CLI), name), 'default')];
    expect(graph.filter((s) => !s.endsWith('.js'))).toEqual([]);
    expect(graph).toContain(join(dirname(CLI), name));
    if (name === 'index.js') expect(graph.filter((f) => /host\.browser|spawn\.browser/.test(f))).toHaveLength(2);
    const files = graph.filter((s) => s.endsWith('.js'));
    expect(files.filter((f) => readFileSync(f, 'utf8').includes('Usage: modeconn <command>'))).toEqual([]); // no CLI code
    expect(readFileSync(join(dirname(CLI), name), 'utf8').startsWith('#!')).toBe(false);
  });

  it('the graph walk sees node: imports where they are (the Node host, the cli, modeconn/plot)', () => {
    for (const name of ['cli.js', 'plot.js']) expect([...importGraph(join(dirname(CLI), name), 'node')].some((s) => s.startsWith('node:'))).toBe(true);
    expect([...importGraph(join(dirname(CLI), 'index.js'), 'node')].some((s) => s.startsWith('node:'))).toBe(true);
  });
});
