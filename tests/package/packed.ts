/**
 * The package as users receive it: `npm pack` of this checkout (dist/ must be built; `npm test`
 * builds it), installed from the tarball into a fresh project in a temporary folder, offline (the
 * package has no dependencies to fetch). One project per test file, removed afterwards.
 */
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll } from 'vitest';
import { requireBuilt } from '../cli/run-cli.js';

export const REPO = fileURLToPath(new URL('../..', import.meta.url));

/** npm's environment without the variables `npm test` sets for its own package (they would leak into the consumer's npm). */
export function cleanEnv(extra: Record<string, string> = {}): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  for (const [k, v] of Object.entries(process.env)) if (!/^npm_(config|package|lifecycle)_/i.test(k) && k !== 'INIT_CWD') env[k] = v;
  return { ...env, ...extra };
}

export interface Packed {
  /** The consumer project (its node_modules/modeconn is the installed tarball). */
  dir: string;
  /** The .tgz file. */
  tarball: string;
  /** Files in the tarball, as `npm pack` lists them. */
  files: string[];
}

/** Before the calling file's tests: packs, installs into `<tmp>/consumer`; `get()` returns it. */
export function packAndInstall(prefix: string): () => Packed {
  let packed: Packed | undefined;
  let root = '';
  beforeAll(() => {
    requireBuilt();
    root = mkdtempSync(join(tmpdir(), prefix));
    const [info] = JSON.parse(execFileSync('npm', ['pack', '--ignore-scripts', '--json', '--pack-destination', root], { cwd: REPO, env: cleanEnv(), encoding: 'utf8' })) as Array<{ filename: string; files: Array<{ path: string }> }>;
    const dir = join(root, 'consumer');
    mkdirSync(dir);
    writeFileSync(join(dir, 'package.json'), `${JSON.stringify({ name: 'consumer', version: '1.0.0', private: true, type: 'module' }, null, 2)}\n`);
    const tarball = join(root, info.filename);
    execFileSync('npm', ['install', tarball, '--offline', '--no-audit', '--no-fund', '--loglevel=error'], { cwd: dir, env: cleanEnv(), encoding: 'utf8' });
    packed = { dir, tarball, files: info.files.map((f) => f.path) };
  }, 120_000);
  afterAll(() => {
    if (root) rmSync(root, { recursive: true, force: true });
  });
  return () => {
    if (!packed) throw new Error('the package was not packed (see the beforeAll error)');
    return packed;
  };
}
