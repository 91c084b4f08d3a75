// The packed tarball installed into an empty project, as a new user meets it: what it ships (every
// README link resolves inside it), no dependencies to download, strict TypeScript in both module
// resolution modes without skipLibCheck (README snippets included), the README's JS blocks run as
// one Node ESM script, the README's command-line tour runs top to bottom through `npx modeconn`,
// and plots degrade to Vega-Lite specs without the optional plotting packages.
import { execFile, execFileSync, spawnSync } from 'node:child_process';
import { existsSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { Ajv } from 'ajv';
import { cliLines, jsBlocks, joinBlocks, readme, shellBlocks } from '../helpers/readme.js';
import { cleanEnv, packAndInstall, REPO } from './packed.js';

const packed = packAndInstall('modeconn-tarball-');
const installed = () => join(packed().dir, 'node_modules', 'modeconn');
const markdown = readme();
const marker = (i: number) => `README block ${i + 1} ran`;

/** Bytes under `dir`, recursively. */
function sizeOf(dir: string): number {
  return readdirSync(dir, { withFileTypes: true }).reduce((sum, e) => {
    const path = join(dir, e.name);
    return sum + (e.isDirectory() ? sizeOf(path) : statSync(path).size);
  }, 0);
}

describe('the packed package installed in an empty project', () => {
  it('ships the README\'s links, LICENSE, CHANGELOG, schemas and digits, and no sources or tests', () => {
    const { files } = packed();
    for (const name of ['README.md', 'LICENSE', 'CHANGELOG.md', 'package.json', 'dist/index.js', 'dist/worker.js', 'dist/types/index.d.ts', 'schemas/paths.schema.json', 'assets/mnist-10k-images-idx3-ubyte.gz']) {
      expect(files).toContain(name);
    }
    expect(files.filter((f) => /^(ts|tests|crate|scripts|web)\//.test(f) || f.endsWith('.map'))).toEqual([]);
    const links = [...markdown.matchAll(/\]\(([^)#\s]+)(#[^)]*)?\)/g)].map((m) => m[1]).filter((l) => !/^[a-z]+:/.test(l));
    expect(links.length).toBeGreaterThan(10);
    expect(links.filter((l) => !existsSync(join(installed(), l)))).toEqual([]);
    // Docs the CLI's --help texts point at (e.g. `train --help` → docs/ARCH.md) ship too.
    const code = files.filter((f) => f.startsWith('dist/') && f.endsWith('.js')).map((f) => readFileSync(join(installed(), f), 'utf8')).join('\n');
    const helpDocs = [...new Set([...code.matchAll(/\bdocs\/[A-Z][\w-]*\.md\b/g)].map((m) => m[0]))];
    expect(helpDocs).toContain('docs/ARCH.md');
    expect(helpDocs.filter((d) => !files.includes(d))).toEqual([]);
    expect(readFileSync(join(installed(), 'LICENSE'), 'utf8')).toMatch(/^MIT License\n\nCopyright \(c\) \d{4} modeconn contributors\n/);
    const pkg = JSON.parse(readFileSync(join(installed(), 'package.json'), 'utf8'));
    expect(pkg).toMatchObject({ license: 'MIT', repository: { type: 'git' }, homepage: expect.stringMatching(/^https:/) });
    expect(pkg.keywords).toContain('mode-connectivity');
  });

  it('pulls in no dependency: a browser-only install is the package alone', () => {
    const modules = readdirSync(join(packed().dir, 'node_modules')).filter((n) => !n.startsWith('.'));
    expect(modules).toEqual(['modeconn']);
    const bytes = sizeOf(join(packed().dir, 'node_modules'));
    console.log(`npm install <tarball>: node_modules is ${(bytes / 2 ** 20).toFixed(1)} MiB, 1 package`);
    expect(bytes).toBeLessThan(7 * 2 ** 20); // the package alone (dist, digits, docs, schemas); before: 73 MiB with its then-dependencies
  });

  it('type-checks a strict consumer (README snippets included) with moduleResolution bundler and node16, no skipLibCheck', async () => {
    const { dir } = packed();
    const { run } = jsBlocks(markdown);
    writeFileSync(join(dir, 'readme.ts'), joinBlocks(run, marker));
    writeFileSync(join(dir, 'api.ts'), `import { createPool, detectModelFormat, loadMnist, pathPlotSpec, ModeconnError, type ErrorCode, type PlotSpec, type PoolOptions } from 'modeconn';
import type { RenderPngOptions } from 'modeconn/plot';
import { referenceKernels } from 'modeconn/reference';
const options: PoolOptions = { workers: 2, workerUrl: new URL('https://example.org/modeconn/dist/worker.js') };
export const pool = createPool(options);
export const digits = loadMnist({ split: 'test', url: '/modeconn/assets/' });
const code: ErrorCode = 'WORKER_LOAD';
export const error = new ModeconnError(code, 'x', { advice: 'y' });
export const format: string = detectModelFormat(new Uint8Array(16));
export const spec: PlotSpec = pathPlotSpec({ sets: {} });
export const png: RenderPngOptions = { scale: 2 };
export const gemm = referenceKernels.gemm;
`);
    const base = { strict: true, noEmit: true, skipLibCheck: false, target: 'es2022', isolatedModules: true };
    const configs = {
      bundler: { ...base, module: 'esnext', moduleResolution: 'bundler', lib: ['es2022', 'dom'], types: [] },
      node16: { ...base, module: 'node16', moduleResolution: 'node16', lib: ['es2022'], types: ['node'], typeRoots: [join(REPO, 'node_modules', '@types')] },
    };
    // Both checks at once (one core each).
    const checks = Object.entries(configs).map(([mode, compilerOptions]) => {
      writeFileSync(join(dir, `tsconfig.${mode}.json`), JSON.stringify({ compilerOptions, files: ['readme.ts', 'api.ts'] }, null, 2));
      return new Promise<string>((resolve) => {
        execFile(process.execPath, [join(REPO, 'node_modules', 'typescript', 'bin', 'tsc'), '-p', `tsconfig.${mode}.json`], { cwd: dir, encoding: 'utf8' },
          (error, stdout, stderr) => resolve(`${mode}: ${error ? `exit ${error.code} ` : ''}${stdout}${stderr}`));
      });
    });
    expect(await Promise.all(checks)).toEqual(Object.keys(configs).map((mode) => `${mode}: `));
  }, 120_000);

  it('runs every README JS block, in order, as one Node ESM script against the installed package', () => {
    const { run, skipped } = jsBlocks(markdown);
    expect(run.length).toBeGreaterThanOrEqual(3);
    expect(skipped.length).toBeLessThanOrEqual(1); // `no-run` is for browser-only snippets; keep it rare
    writeFileSync(join(packed().dir, 'readme.mjs'), joinBlocks(run, marker));
    const node = spawnSync(process.execPath, ['readme.mjs'], { cwd: packed().dir, env: cleanEnv(), encoding: 'utf8' });
    expect(node.stderr).toBe('');
    expect(node.status).toBe(0);
    for (let i = 0; i < run.length; i++) expect(node.stdout).toContain(marker(i));
    // The Kernels snippet: relu(A·Bᵀ + bias) from the WASM core and from its twin.
    expect(node.stdout).toContain('Float32Array(4) [ 0, 4, 0, 8.5 ] Float32Array(4) [ 0, 4, 0, 8.5 ]');
  }, 180_000);

  it('runs the README command-line tour top to bottom with npx; reports match the shipped schemas', () => {
    const { dir } = packed();
    const lines = cliLines(markdown);
    expect(lines.length).toBeGreaterThanOrEqual(8);
    expect(shellBlocks(markdown).skipped.length).toBeLessThanOrEqual(1); // files the test cannot have (a user's .pt); keep it rare
    for (const line of lines) {
      const sh = spawnSync('sh', ['-c', line], { cwd: dir, env: cleanEnv({ MODECONN_DEBUG: '' }), encoding: 'utf8' });
      expect(`${line}\n${sh.status === 0 ? '' : sh.stderr}`).toBe(`${line}\n`);
    }
    // Every runs/<x> a line reads was written by an earlier line (the tour is self-contained).
    const ajv = new Ajv({ allErrors: true, strict: true });
    const reports = readdirSync(join(dir, 'runs')).flatMap((run) => ['report.json', 'train.json'].map((f) => join(dir, 'runs', run, f)).filter(existsSync));
    expect(reports.length).toBeGreaterThanOrEqual(8);
    for (const path of reports) {
      const report = JSON.parse(readFileSync(path, 'utf8'));
      const validate = ajv.getSchema(report.report) ?? (ajv.addSchema(JSON.parse(readFileSync(join(installed(), 'schemas', `${report.report}.schema.json`), 'utf8')), report.report), ajv.getSchema(report.report)!);
      expect(validate(report) ? [] : validate.errors, path).toEqual([]);
    }
    // Without the optional plotting packages, figures are saved as Vega-Lite specs.
    expect(existsSync(join(dir, 'runs', 'line', 'paths.vl.json'))).toBe(true);
    expect(existsSync(join(dir, 'runs', 'line', 'paths.svg'))).toBe(false);
  }, 300_000);

  it('modeconn/plot names the optional packages to install when they are missing', () => {
    const script = "import('modeconn/plot').then((p) => p.renderSvg({ $schema: 'x' })).catch((e) => console.log(e.code, e.message));";
    const out = execFileSync(process.execPath, ['--input-type=module', '-e', script], { cwd: packed().dir, env: cleanEnv(), encoding: 'utf8' });
    expect(out).toContain('MISSING_DEPENDENCY');
    expect(out).toContain('npm install vega vega-lite @resvg/resvg-wasm');
  });
});
