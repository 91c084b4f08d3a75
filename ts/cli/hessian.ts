/**
 * `modeconn hessian`: the Hessian's spectrum at a model (top eigenvalues by Lanczos, trace by
 * Hutchinson, eigenvalue density by stochastic Lanczos quadrature, per-layer blocks; Yao et al. 2020),
 * and its top eigenvalue and trace along the line between two models (or a saved curve) and at extra
 * named points (SWA, FGE). Writes report.json, density.svg/png and path.svg/png; with --shard, one
 * part of the points (the spectrum at the first model is cell 0; docs/CLUSTER.md).
 */
import { join } from 'node:path';
import type { DataSet } from '../data/dataset.js';
import { planHessianPathCells, type PathSpectrumPoint } from '../hessian/along-path.js';
import { hessianSpectrum, type SpectrumReport } from '../hessian/spectrum.js';
import type { Arch } from '../model/arch.js';
import { compiledOf } from '../model/model.js';
import { loadCurve } from '../paths/curve-files.js';
import { linearPath, type Path } from '../paths/path.js';
import { curvaturePlotSpec, densityPlotSpec } from '../plot/hessian-spec.js';
import { parseArgs, UsageError, type CommandSpec } from './args.js';
import { describeData, IO_FLAGS, loadSplits } from './data-spec.js';
import { writeFigure } from './figure.js';
import { ensureDir, runInfo, writeJsonAtomic, type RunInfo } from './manifest.js';
import { describeArch, trainSubset } from './path-run.js';
import { splitPositionals } from './positionals.js';
import { ProgressBar } from './progress.js';
import { ARCH_FLAGS, readModel, readModels, resolveArch } from './resolve-arch.js';
import { withRunner } from './runner.js';
import { describePart, resolveShard, runGridJob, SHARD_FLAGS, withoutShardFlags, type GridJob } from './shard.js';
import { fixed4, formatPairs, formatTable } from './table.js';

export const spec = {
  name: 'hessian',
  summary: 'Hessian spectrum of a model (top eigenvalues, trace, density, per layer), and along a path.',
  usage: 'modeconn hessian <A.safetensors> [<B.safetensors>] --data <spec> --out <dir> [options]\n       modeconn hessian --curve <curve.json> --data <spec> --out <dir> [options]',
  description:
    'Exact Hessian-vector products (R-operator) of the mean loss over --samples evenly spaced samples of\n' +
    'the --split, with BatchNorm in eval mode (running statistics; PyHessian\'s choice) or batch statistics.\n' +
    'One model: the --top-k largest eigenvalues (Lanczos with full reorthogonalisation), the trace\n' +
    '(Hutchinson, --probes Rademacher probes), the eigenvalue density (stochastic Lanczos quadrature,\n' +
    '--density-runs × --density-steps) and, with --layers, each layer\'s block. Two models or --curve:\n' +
    'also the top eigenvalue and trace at --points values of t along the line (curve), BatchNorm\n' +
    'recomputed at every point; --at name=file,... adds named points (SWA, FGE snapshots). docs/LANDSCAPE.md.',
  flags: {
    ...ARCH_FLAGS,
    ...IO_FLAGS,
    curve: { kind: 'string', value: 'file', help: 'a curve saved by `modeconn curve` instead of the line between two models' },
    at: { kind: 'string', value: 'name=file,...', help: 'extra points to measure (e.g. swa=runs/swa.safetensors,fge1=runs/f1.safetensors)' },
    split: { kind: 'string', default: 'train', choices: ['train', 'test'], value: 'split', help: 'the data the loss is averaged over' },
    samples: { kind: 'int', default: 2000, min: 1, value: 'n', help: 'evenly spaced samples of the split (all when larger)' },
    mode: { kind: 'string', default: 'eval', choices: ['eval', 'batch-stats'], value: 'mode', help: 'BatchNorm: running statistics (eval) or each batch\'s own' },
    topK: { kind: 'int', default: 3, min: 1, max: 50, value: 'k', help: 'top eigenvalues at the first model' },
    steps: { kind: 'int', default: 40, min: 2, value: 'n', help: 'Lanczos steps for the top eigenvalues' },
    probes: { kind: 'int', default: 30, min: 1, value: 'n', help: 'Hutchinson probes for the trace' },
    densityRuns: { kind: 'int', default: 3, min: 0, value: 'n', help: 'SLQ runs for the eigenvalue density (0 = skip)' },
    densitySteps: { kind: 'int', default: 60, min: 2, value: 'n', help: 'Lanczos steps per SLQ run' },
    layers: { kind: 'boolean', help: 'also each layer\'s top eigenvalue and trace (diagonal blocks)' },
    points: { kind: 'int', default: 5, min: 2, value: 'n', help: 'evenly spaced t\'s along the path (odd counts include the midpoint)' },
    pathSteps: { kind: 'int', default: 20, min: 2, value: 'n', help: 'Lanczos steps for the top eigenvalue at each path point' },
    pathProbes: { kind: 'int', default: 20, min: 1, value: 'n', help: 'Hutchinson probes at each path point' },
    batchSize: { kind: 'int', default: 1000, min: 1, value: 'n', help: 'samples per WASM call (the reduction grid; results do not depend on --workers)' },
    seed: { kind: 'int', default: 0, min: 0, value: 'n', help: 'seed of the Lanczos start vectors and probes' },
    workers: { kind: 'int', default: 0, min: 0, value: 'n', help: 'run the products on a pool of n worker threads (0 = this thread; same bits)' },
    quiet: { kind: 'boolean', short: 'q', help: 'no progress output on stderr' },
    ...SHARD_FLAGS,
  },
  examples: [
    'modeconn hessian runs/a/model.safetensors --data mnist --layers --out runs/hess-a',
    'modeconn hessian runs/a/model.safetensors runs/b/model.safetensors --data mnist --points 3 --workers 2 --out runs/hess-ab',
    'modeconn hessian --curve runs/curve/curve.json --data mnist --at swa=runs/swa/model.safetensors --out runs/hess-curve',
    'modeconn hessian runs/a/model.safetensors runs/b/model.safetensors --data mnist --points 9 --shard 0/3 --out runs/hess-ab   # then 1/3, 2/3, merge-shards',
  ],
} as const satisfies CommandSpec;

/** `name=file,name=file` → pairs. */
function parseAt(text: string | undefined): Array<[string, string]> {
  if (text === undefined) return [];
  return text.split(',').map((part) => {
    const eq = part.indexOf('=');
    if (eq < 1 || eq === part.length - 1) throw new UsageError(`--at needs name=file pairs separated by commas, got ${JSON.stringify(part)}`);
    return [part.slice(0, eq), part.slice(eq + 1)];
  });
}

function spectrumJson(s: SpectrumReport) {
  const { eigenvectors: _vectors, ...rest } = s;
  return rest;
}

export async function run(argv: string[]): Promise<number> {
  const { positionals, flags: flagArgs } = splitPositionals(spec, argv);
  const flags = parseArgs(spec, flagArgs);
  const shard = resolveShard(flags.shard, flags.shardCount);
  const { train, test } = await loadSplits(flags.data);
  let arch: Arch;
  let first: Float32Array;
  let path: Path | null = null;
  let inputs: Record<string, unknown>;
  if (flags.curve !== undefined) {
    if (positionals.length > 0) throw new UsageError('give model files or --curve, not both');
    const { path: curve, description } = await loadCurve(flags.curve);
    const resolved = (await resolveArch(flags, train, false)) ?? description.arch;
    if (!resolved) throw new UsageError(`${flags.curve} stores flat tensors without an arch; pass --arch or --arch-file`);
    [arch, path, first] = [resolved, curve, curve.points[0]];
    inputs = { curve: flags.curve, kind: description.kind, points: curve.points.length };
  } else {
    if (positionals.length < 1 || positionals.length > 2) throw new UsageError(`give one or two model files; usage: ${spec.usage.split('\n')[0]}`);
    const models = await readModels(positionals, flags, train);
    [arch, first] = [models[0].model.arch, models[0].model.params];
    if (models.length === 2) path = linearPath(models[0].model.params, models[1].model.params);
    inputs = Object.fromEntries(models.map((m, j) => [['a', 'b'][j], { file: m.file, metadata: m.metadata }]));
  }
  const extra: Array<{ label: string; params: Float32Array; file: string }> = [];
  for (const [label, file] of parseAt(flags.at)) {
    const { model } = await readModel(file, flags, train);
    if (JSON.stringify(model.arch) !== JSON.stringify(arch)) throw new UsageError(`--at ${label}: ${file} has another architecture`);
    extra.push({ label, params: model.params, file });
  }
  const compiled = compiledOf(arch);
  const data: DataSet = trainSubset(flags.split === 'train' ? train : test, flags.samples);
  ensureDir(flags.out);
  const mode = flags.mode as 'eval' | 'batch-stats';
  const progress = new ProgressBar({ label: 'hessian', quiet: flags.quiet });
  progress.note(`Hessian of the mean loss over ${data.name} (${data.n} samples), ${compiled.paramCount} parameters, BatchNorm ${mode}${shard ? `; shard ${shard.index} of ${shard.count}` : ''}`);
  const pathPoints = path ? flags.points : 0;
  const ts = Array.from({ length: pathPoints }, (_, i) => i / (pathPoints - 1));
  const label = flags.arch ?? describeArch(arch);
  const result = await withRunner(flags.workers, async (runner) => {
    const along = path || extra.length
      ? await planHessianPathCells(arch, path, data, {
        runner, ts, extra, bnData: trainSubset(train, flags.samples), batchSize: flags.batchSize, mode, steps: flags.pathSteps,
        traceProbes: flags.pathProbes, seed: flags.seed,
        onPoint: (done, total) => progress.update({ fraction: done / total, detail: `${done}/${total} points` }),
      })
      : undefined;
    const plan: HessianPlan = {
      info: runInfo(['hessian', ...withoutShardFlags(argv)], 'hessian'),
      data: { spec: flags.data, split: flags.split, evaluated: describeData(data) },
      arch: { label, parameters: compiled.paramCount, value: arch },
      inputs,
      extra: extra.map((e) => ({ label: e.label, file: e.file })),
      options: { mode, topK: flags.topK, steps: flags.steps, probes: flags.probes, densityRuns: flags.densityRuns, densitySteps: flags.densitySteps,
        layers: flags.layers, points: pathPoints, pathSteps: flags.pathSteps, pathProbes: flags.pathProbes, batchSize: flags.batchSize, seed: flags.seed, workers: flags.workers },
    };
    // Cell 0 is the spectrum at the first model; cells 1 … are the points along the path and the extra points.
    const job: GridJob<HessianPlan, HessianCell, number> = {
      command: 'hessian', plan, count: 1 + (along?.count ?? 0),
      evaluate: async (indices) => {
        const started = performance.now();
        const cells: HessianCell[] = [];
        if (indices.includes(0)) {
          cells.push({ spectrum: spectrumJson(await hessianSpectrum(arch, first, data, {
            runner, batchSize: flags.batchSize, mode, topK: flags.topK, steps: flags.steps, traceProbes: flags.probes, seed: flags.seed,
            layers: flags.layers, density: flags.densityRuns > 0 ? { runs: flags.densityRuns, steps: flags.densitySteps } : undefined,
            onStage: (stage, products) => progress.update({ fraction: 0, detail: `${stage} done (${products} H·v)` }),
          })) });
        }
        const points = indices.filter((i) => i > 0).map((i) => i - 1);
        if (points.length > 0) cells.push(...(await along!.evaluate(points)).map((point) => ({ point })));
        return { cells, timing: (performance.now() - started) / 1000 };
      },
    };
    return { plan, run: await runGridJob(job, shard, flags.out) };
  });
  progress.done();
  if (result.run.part !== undefined) {
    process.stdout.write(describePart(result.run.part, shard!, flags.out));
    return 0;
  }
  process.stdout.write(await writeHessianReport(result.plan, result.run.cells, [result.run.timing], flags.out));
  return 0;
}

/** Everything report.json and the figures need besides the cells (JSON-safe; the same in every shard). */
export interface HessianPlan {
  info: RunInfo;
  data: { spec: string; split: string; evaluated: ReturnType<typeof describeData> };
  arch: { label: string; parameters: number; value: Arch };
  inputs: Record<string, unknown>;
  extra: Array<{ label: string; file: string }>;
  options: { densitySteps: number } & Record<string, unknown>;
}

/** Cell 0: the spectrum at the first model; the others: one point along the path (or an extra point). */
export type HessianCell = { spectrum: ReturnType<typeof spectrumJson>; point?: undefined } | { point: PathSpectrumPoint; spectrum?: undefined };

/**
 * Writes report.json and the figures into `out` from the plan and every cell in order (a single run,
 * or merge-shards with each shard's seconds); returns the summary to print.
 */
export async function writeHessianReport(plan: HessianPlan, cells: readonly HessianCell[], timings: readonly number[], out: string): Promise<string> {
  const spectrum = cells[0].spectrum!;
  const along = cells.slice(1).map((c) => c.point!);
  const { label } = plan.arch;
  const data = plan.data.evaluated;
  const files: Record<string, string> = { report: join(out, 'report.json') };
  const warnings: string[] = [];
  if (spectrum.density) {
    const q = spectrum.density;
    const fig = await writeFigure(densityPlotSpec({ grid: q.grid, density: q.density, nodes: q.runs.flatMap((r) => r.nodes) }, {
      subtitle: `${label} on ${data.name}; SLQ ${q.runs.length} × ${plan.options.densitySteps} steps, σ = ${q.sigma.toPrecision(3)}`,
    }), out, 'density');
    Object.assign(files, Object.fromEntries(Object.entries(fig.files).map(([k, v]) => [`density.${k}`, v])));
    warnings.push(...fig.warnings);
  }
  if (along.length) {
    const fig = await writeFigure(curvaturePlotSpec(along, { subtitle: `${label} on ${data.name} (${data.n} samples)` }), out, 'path');
    Object.assign(files, Object.fromEntries(Object.entries(fig.files).map(([k, v]) => [`path.${k}`, v])));
    warnings.push(...fig.warnings);
  }
  // Computation time, summed over the shards of a split run.
  const seconds = timings.reduce((a, b) => a + b, 0);
  writeJsonAtomic(files.report, {
    ...plan.info,
    status: 'completed',
    data: plan.data,
    arch: plan.arch,
    inputs: plan.inputs,
    extra: plan.extra,
    options: plan.options,
    spectrum,
    along,
    seconds,
    files,
    ...(warnings.length ? { warnings } : {}),
  });
  const lines = [
    formatTable(['k', 'eigenvalue', 'residual'], spectrum.top.map((p, k) => [`λ${k + 1}`, p.value.toPrecision(6), p.residual.toExponential(2)])),
  ];
  if (spectrum.trace) lines.push(`trace ${spectrum.trace.trace.toPrecision(6)} ± ${spectrum.trace.stderr.toPrecision(2)} (Hutchinson, ${spectrum.trace.probes} probes)`);
  if (spectrum.density) lines.push(`SLQ trace estimate ${spectrum.density.trace.toPrecision(6)}`);
  if (spectrum.layers) {
    lines.push('', formatTable(['layer', 'size', 'top eigenvalue', 'trace'], spectrum.layers.map((l) => [
      l.name, String(l.size), l.topEigenvalue?.toPrecision(5) ?? '-', l.trace === undefined ? '-' : `${l.trace.toPrecision(5)} ± ${l.traceStderr!.toPrecision(2)}`,
    ])));
  }
  if (along.length) {
    lines.push('', formatTable(['point', 'loss', 'top eigenvalue', 'trace'], along.map((p) => [
      p.label, fixed4(p.loss), p.topEigenvalue.toPrecision(5), `${p.trace.toPrecision(5)} ± ${p.traceStderr.toPrecision(2)}`,
    ])));
  }
  lines.push(`${spectrum.products} H·v products at the first model; ${seconds.toFixed(1)} s`);
  return `${lines.join('\n')}\n\n${formatPairs(Object.entries(files))}`;
}
