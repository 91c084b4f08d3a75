// The built CLI's counterexample command at small scale (h = 2 and 3, short fits): both minimisers
// have zero loss, every path method between the narrow net's minimisers crosses a positive barrier
// (no path can avoid one), the wider net's explicit path has none; the table, the plot; usage errors.
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { readJson, runCli, tempRoot } from './run-cli.js';

const root = tempRoot('modeconn-counterexample-');

describe('modeconn counterexample', () => {
  it('reports the barrier of every method, narrow and wide', async () => {
    const out = join(root, 'cx');
    const args = ['--h', '2,3', '--points', '21', '--curve-steps', '300', '--neb-cycles', '1', '--neb-steps', '60', '-q', '--out', out];
    const { code, stdout, stderr } = await runCli(['counterexample', ...args]);
    expect(code, stderr).toBe(0);
    expect(stdout).toMatch(/h\s+units\s+samples\s+line\s+bezier\s+autoneb\s+aligned\s+explicit/);
    const r = readJson(join(out, 'report.json'));
    expect(r.results.map((x: { h: number }) => x.h)).toEqual([2, 3]);
    for (const x of r.results) {
      expect(x.samples).toBe(6 * (x.h + 1));
      expect(x.narrow.units).toBe(x.h);
      expect(x.wide.units).toBe(2 * x.h + 2);
      for (const net of [x.narrow, x.wide]) net.endpointLosses.forEach((l: number) => expect(l).toBeLessThan(1e-10));
      const narrow = Object.fromEntries(x.narrow.paths.map((p: { method: string; barrier: number }) => [p.method, p.barrier]));
      expect(Object.keys(narrow)).toEqual(['line', 'bezier', 'autoneb', 'aligned']);
      Object.values(narrow).forEach((b) => expect(b).toBeGreaterThan(1e-4));
      const explicit = x.wide.paths.find((p: { method: string }) => p.method === 'explicit');
      expect(explicit.barrier).toBeLessThan(1e-9);
      expect(explicit.losses).toHaveLength(21);
    }
    expect(existsSync(join(out, 'paths.svg'))).toBe(true);
  }, 120_000);

  it('usage errors: bad widths', async () => {
    let r = await runCli(['counterexample', '--h', '1', '--out', join(root, 'x'), '-q']);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/--h/);
    r = await runCli(['counterexample', '--h', '4', '--width', '5', '--out', join(root, 'x'), '-q']);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/h \+ 2/);
  });
});
