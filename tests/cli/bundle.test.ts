// The cli entry is Node-only and lives apart: it starts with a shebang, while the library entries
// (and every chunk they import statically) stay free of top-level node: imports for browsers.
import { readFileSync, statSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { CLI, requireBuilt } from './run-cli.js';

const STATIC_IMPORT = /^import\s[^;]*?from\s*'([^']+)'|^import\s*'([^']+)'/gm;

function staticGraph(entry: string, seen = new Set<string>()): Set<string> {
  if (seen.has(entry)) return seen;
  seen.add(entry);
  for (const m of readFileSync(entry, 'utf8').matchAll(STATIC_IMPORT)) {
    const spec = m[1] ?? m[2];
    if (spec.startsWith('.')) staticGraph(join(dirname(entry), spec), seen);
    else seen.add(spec);
  }
  return seen;
}

describe('bundle layout (dist/)', () => {
  it('dist/cli.js is an executable node script', () => {
    requireBuilt();
    expect(readFileSync(CLI, 'utf8').startsWith('#!/usr/bin/env node\n')).toBe(true);
    expect(statSync(CLI).mode & 0o111).not.toBe(0);
    expect(JSON.parse(readFileSync(join(dirname(CLI), '..', 'package.json'), 'utf8')).bin).toEqual({ modeconn: './dist/cli.js' });
  });

  it.each([['index.js'], ['reference.js']])('dist/%s imports no node: module statically', (name) => {
    const graph = [...staticGraph(join(dirname(CLI), name))];
    expect(graph.filter((s) => s.startsWith('node:'))).toEqual([]);
    const files = graph.filter((s) => s.endsWith('.js'));
    expect(files.filter((f) => readFileSync(f, 'utf8').includes('Usage: modeconn <command>'))).toEqual([]); // no CLI code
    expect(readFileSync(join(dirname(CLI), name), 'utf8').startsWith('#!')).toBe(false);
  });
});
