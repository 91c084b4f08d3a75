// The report schemas the package ships (schemas/*.json): fresh from scripts/make-schemas.mjs, one
// per report kind, strict under ajv, and they accept real reports (eval and align here; every other
// CLI test checks the reports it reads through run-cli's readJson) and reject broken ones.
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { REPORT_KINDS, REPORT_FORMAT_VERSION } from '../ts/cli/manifest.js';
import { assertValidReport, reportValidator } from './helpers/report-schema.js';
import { readJson, runCli, tempRoot } from './cli/run-cli.js';
// @ts-expect-error a plain .mjs script without types
import { schemaFiles } from '../scripts/make-schemas.mjs';

const dir = new URL('../schemas/', import.meta.url);
const root = tempRoot('modeconn-schemas-');

describe('report schemas', () => {
  it('are the generator\'s output, one per report kind, and compile strictly', () => {
    const generated = schemaFiles() as Array<[string, string]>;
    expect(readdirSync(dir).sort()).toEqual(generated.map(([name]) => name).sort());
    for (const [name, text] of generated) expect(readFileSync(new URL(name, dir), 'utf8'), `${name} is stale: npm run build:schemas`).toBe(text);
    expect(generated.map(([name]) => name.replace('.schema.json', '')).sort()).toEqual([...REPORT_KINDS].sort());
    for (const kind of REPORT_KINDS) expect(reportValidator(kind).schema).toMatchObject({ properties: { formatVersion: { const: REPORT_FORMAT_VERSION }, report: { const: kind } } });
  });

  it('accept real eval and align reports and reject broken ones', async () => {
    const model = (name: string) => join(root, name, 'model.safetensors');
    for (const [name, seed] of [['a', '1'], ['b', '2']]) {
      expect((await runCli(['train', '--arch', 'mlp:2-12-2', '--data', 'moons:n=300', '--epochs', '1', '--seed', seed, '-q', '--out', join(root, name)])).code).toBe(0);
    }
    expect((await runCli(['eval', '--model', model('a'), '--data', 'moons:n=300', '-q', '--out', join(root, 'eval')])).code).toBe(0);
    expect((await runCli(['align', model('a'), model('b'), '--data', 'moons:n=300', '-q', '--out', join(root, 'align')])).code).toBe(0);
    const reports = [readJson(join(root, 'a', 'train.json')), readJson(join(root, 'eval', 'eval.json')), readJson(join(root, 'align', 'report.json'))];
    expect(reports.map((r) => [r.formatVersion, r.report])).toEqual([[1, 'train'], [1, 'eval'], [1, 'align']]);

    const [train, evaluation, align] = reports;
    expect(() => assertValidReport({ ...evaluation, formatVersion: undefined })).toThrow(/formatVersion/);
    expect(() => assertValidReport({ ...evaluation, formatVersion: 2 })).toThrow(/formatVersion/);
    expect(() => assertValidReport({ ...train, epochs: [{ ...train.epochs[0], epoch: -1 }] })).toThrow(/epochs\/0\/epoch/);
    expect(() => assertValidReport({ ...align, permutations: { P_0: [0.5] } })).toThrow(/permutations/);
    expect(() => assertValidReport({ ...evaluation, report: 'nonexistent' })).toThrow();
  });
});
