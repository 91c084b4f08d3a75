/**
 * `modeconn convert <in> <out>`: a model file from one format to another. The input's format is read
 * from its content (safetensors, PyTorch .pt, ONNX), the output's from its extension (.safetensors,
 * .pt/.pth, .onnx); the written file is read back and checked to hold the same arch and θ bit for bit.
 */
import { stat } from 'node:fs/promises';
import { extname } from 'node:path';
import { ModeconnError } from '../errors.js';
import { readFileBytes } from '../io/node-files.js';
import { loadModel, saveModel } from '../io/model-files.js';
import { looksLikeOnnx } from '../io/onnx.js';
import { isLegacyPt } from '../io/pt.js';
import { isZip } from '../io/pt-zip.js';
import { saveOnnx } from '../io/onnx-files.js';
import type { Arch } from '../model/arch.js';
import { compiledOf, type Model } from '../model/model.js';
import { parseArgs, UsageError, type CommandSpec } from './args.js';
import { runInfo, type RunInfo } from './manifest.js';
import { expectPositionals, splitPositionals } from './positionals.js';
import { ProgressBar } from './progress.js';
import { readArchFile } from './specs.js';
import { formatPairs } from './table.js';

/** Output formats by file extension. */
const WRITERS: Record<string, { format: string; save: (model: Model, path: string) => Promise<void> }> = {
  '.safetensors': { format: 'safetensors', save: (model, path) => saveModel(model, path, { format: 'safetensors' }) },
  '.pt': { format: 'pt', save: (model, path) => saveModel(model, path, { format: 'pt' }) },
  '.pth': { format: 'pt', save: (model, path) => saveModel(model, path, { format: 'pt' }) },
  '.onnx': { format: 'onnx', save: saveOnnx },
};

/** The command's flags, usage and help. */
export const spec = {
  name: 'convert',
  summary: 'Convert a model file between formats (safetensors, PyTorch .pt, ONNX).',
  usage: 'modeconn convert <in> <out.safetensors|out.pt|out.onnx> [--arch-file <file>] [--json] [options]',
  description:
    'The input format is recognised from the file\'s content; the output format from the extension of\n' +
    '<out>. An ONNX input carries its own architecture; a safetensors or .pt input uses --arch-file, else\n' +
    'its "modeconn.arch" metadata, else one inferred from the names (docs/IO.md). The written file is read\n' +
    'back and compared with the input (same arch, same parameters bit for bit). ONNX: docs/ONNX.md.',
  flags: {
    archFile: { kind: 'string', value: 'file', help: 'architecture as JSON (for a safetensors state_dict without one)' },
    json: { kind: 'boolean', help: 'print the JSON report on stdout instead of a summary' },
    quiet: { kind: 'boolean', short: 'q', help: 'no progress output on stderr' },
  },
  examples: [
    'modeconn convert runs/a/model.safetensors runs/a/model.onnx',
    'modeconn convert resnet.onnx resnet.safetensors',
    'modeconn convert checkpoint.pt model.onnx',
  ],
} as const satisfies CommandSpec;

/** The JSON report (stdout with --json). */
export interface ConvertReport extends RunInfo {
  input: { file: string; format: string; bytes: number };
  output: { file: string; format: string; bytes: number };
  arch: Arch;
  parameters: number;
  verified: boolean;
}

/** Converts, verifies, prints the summary (or the JSON report); resolves to the exit code. */
export async function run(argv: string[]): Promise<number> {
  const { positionals, flags: flagArgs } = splitPositionals(spec, argv);
  const flags = parseArgs(spec, flagArgs);
  const [input, output] = expectPositionals(positionals, ['<in>', '<out>'], spec.usage);
  const writer = WRITERS[extname(output).toLowerCase()];
  if (!writer) throw new UsageError(`cannot tell the output format of ${JSON.stringify(output)}; use the extension ${Object.keys(WRITERS).join(', ')}`);
  const progress = new ProgressBar({ label: 'convert', quiet: flags.quiet || flags.json });
  const bytes = await readFileBytes(input);
  const inputFormat = looksLikeOnnx(bytes) ? 'onnx' : isZip(bytes) || isLegacyPt(bytes) ? 'pt' : 'safetensors';
  const arch = flags.archFile !== undefined ? await readArchFile(flags.archFile) : undefined;
  progress.note(`reading ${input} (${inputFormat})`);
  const model = await loadModel(input, arch ? { arch } : {});
  progress.note(`writing ${output} (${writer.format})`);
  await writer.save(model, output);
  const back = await loadModel(output);
  const same = JSON.stringify(compiledOf(back.arch).layout) === JSON.stringify(compiledOf(model.arch).layout)
    && Buffer.from(back.params.buffer, back.params.byteOffset, back.params.byteLength).equals(Buffer.from(model.params.buffer, model.params.byteOffset, model.params.byteLength));
  if (!same) throw new ModeconnError('BAD_FILE', `${output}: reading the written file back does not give the input's model`);
  progress.done();
  const report: ConvertReport = {
    ...runInfo(['convert', ...argv], 'convert'),
    input: { file: input, format: inputFormat, bytes: (await stat(input)).size },
    output: { file: output, format: writer.format, bytes: (await stat(output)).size },
    arch: model.arch,
    parameters: compiledOf(model.arch).paramCount,
    verified: same,
  };
  if (flags.json) {
    process.stdout.write(`${JSON.stringify(report, null, 2)}\n`);
    return 0;
  }
  process.stdout.write(formatPairs([
    ['input', `${input} (${inputFormat}, ${report.input.bytes} bytes)`],
    ['output', `${output} (${writer.format}, ${report.output.bytes} bytes)`],
    ['layers', String(model.arch.layers.length)],
    ['parameters', String(report.parameters)],
    ['verified', 'read back: same arch, same parameters bit for bit'],
  ]));
  return 0;
}
