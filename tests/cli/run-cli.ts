// Runs the BUILT command (node dist/cli.js), as users get it; `npm test` builds dist/ first. Also the
// CLI tests' shared fixtures: a temporary directory per file, JSON reports, two trained models.
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, expect } from 'vitest';
import { assertValidReport } from '../helpers/report-schema.js';

export const CLI = fileURLToPath(new URL('../../dist/cli.js', import.meta.url));

export interface CliResult {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
}

/** Throws a clear message when dist/ has not been built. */
export function requireBuilt(): void {
  if (!existsSync(CLI)) throw new Error(`${CLI} is missing: run \`npm run build:js\` first`);
}

/** Starts the CLI; `done` resolves with its exit code and output. */
export function startCli(args: string[], env: Record<string, string> = {}): { child: ChildProcess; done: Promise<CliResult> } {
  requireBuilt();
  const child = spawn(process.execPath, [CLI, ...args], { env: { ...process.env, MODECONN_DEBUG: '', ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  child.stdout!.on('data', (d) => (stdout += d));
  child.stderr!.on('data', (d) => (stderr += d));
  const done = new Promise<CliResult>((resolve, reject) => {
    child.on('error', reject);
    child.on('close', (code, signal) => resolve({ code, signal, stdout, stderr }));
  });
  return { child, done };
}

/** Runs the CLI to completion. */
export function runCli(args: string[], env: Record<string, string> = {}): Promise<CliResult> {
  return startCli(args, env).done;
}

/** A fresh temporary directory, removed after the calling file's tests. */
export function tempRoot(prefix: string): string {
  const root = mkdtempSync(join(tmpdir(), prefix));
  afterAll(() => rmSync(root, { recursive: true, force: true }));
  return root;
}

/** A JSON file's contents; a CLI report (one with formatVersion) is first checked against its shipped schema. */
export function readJson(path: string) {
  const value = JSON.parse(readFileSync(path, 'utf8'));
  if (value !== null && typeof value === 'object' && 'formatVersion' in value) assertValidReport(value, path);
  return value;
}

/**
 * Before the calling file's tests, trains models `a` (seed 1) and `b` (seed 2) of `arch` for one
 * epoch on MNIST into `root`/a and `root`/b; returns the path of a model by name.
 */
export function trainTwoModels(root: string, arch: string): (name: string) => string {
  beforeAll(async () => {
    const train = (seed: string, name: string) => runCli(['train', '--arch', arch, '--data', 'mnist', '--epochs', '1', '--seed', seed, '-q', '--out', join(root, name)]);
    const results = await Promise.all([train('1', 'a'), train('2', 'b')]);
    for (const r of results) expect(r.code, r.stderr).toBe(0);
  }, 60_000);
  return (name) => join(root, name, 'model.safetensors');
}
