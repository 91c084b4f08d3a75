// `modeconn convert` (built cli): safetensors ↔ ONNX by content and extension, verified read-back;
// an ONNX file works wherever a model file is read (`modeconn eval --model x.onnx` gives the
// safetensors model's exact loss and accuracy); usage and file errors exit 2 and 1.
import { describe, expect, it } from 'vitest';
import { writeFileSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { loadModel } from '../../ts/io/model-files.js';
import { loadOnnx } from '../../ts/io/onnx-files.js';
import { readJson, runCli, tempRoot } from './run-cli.js';

const fixtures = fileURLToPath(new URL('../fixtures/', import.meta.url));

describe('modeconn convert (built cli)', () => {
  const root = tempRoot('modeconn-convert-');

  it('safetensors → ONNX, and eval reads the .onnx with the same loss and accuracy', async () => {
    const onnx = join(root, 'mlp.onnx');
    const convert = await runCli(['convert', `${fixtures}torch/mlp.safetensors`, onnx, '-q']);
    expect(convert.code, convert.stderr).toBe(0);
    expect(convert.stdout).toMatch(/safetensors/);
    expect(convert.stdout).toMatch(/verified\s+read back: same arch, same parameters bit for bit/);
    const evals = await Promise.all([`${fixtures}torch/mlp.safetensors`, onnx].map((model, i) =>
      runCli(['eval', '--model', model, '--data', 'mnist', '-q', '--out', join(root, `eval${i}`)])));
    for (const r of evals) expect(r.code, r.stderr).toBe(0);
    const [fromSafetensors, fromOnnx] = [0, 1].map((i) => readJson(join(root, `eval${i}`, 'eval.json')));
    expect(fromOnnx.loss).toBe(fromSafetensors.loss);
    expect(fromOnnx.accuracy).toBe(fromSafetensors.accuracy);
  });

  it('ONNX → safetensors with a JSON report; the file loads as the same model', async () => {
    const out = join(root, 'resnet.safetensors');
    const r = await runCli(['convert', `${fixtures}onnx/resnet-bn.onnx`, out, '--json']);
    expect(r.code, r.stderr).toBe(0);
    const report = JSON.parse(r.stdout);
    expect(report.input.format).toBe('onnx');
    expect(report.output.format).toBe('safetensors');
    expect(report.verified).toBe(true);
    const [a, b] = await Promise.all([loadOnnx(`${fixtures}onnx/resnet-bn.onnx`), loadModel(out)]);
    expect(b.arch).toEqual(a.arch);
    expect(report.arch).toEqual(a.arch);
    expect(Buffer.from(b.params.buffer).equals(Buffer.from(a.params.buffer))).toBe(true);
  });

  it('an unknown output extension is a usage error; a broken input a file error', async () => {
    const usage = await runCli(['convert', `${fixtures}onnx/mlp.onnx`, join(root, 'x.bin')]);
    expect(usage.code).toBe(2);
    expect(usage.stderr).toMatch(/use the extension \.safetensors, \.pt, \.pth, \.onnx/);
    const broken = join(root, 'broken.onnx');
    writeFileSync(broken, readFileSync(`${fixtures}onnx/mlp.onnx`).subarray(0, 200));
    const bad = await runCli(['convert', broken, join(root, 'y.safetensors')]);
    expect(bad.code).toBe(1);
    expect(bad.stderr).toMatch(/broken\.onnx: not a valid ONNX protobuf .*\[BAD_FILE\]/);
  });
});
