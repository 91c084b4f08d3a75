/**
 * `modeconn counterexample`: Kuditipudi et al.'s disconnected global minimisers, for each h asked:
 * the data set, the staircase and ground-truth minimisers of the h-unit net, and the barrier that the
 * line, a fitted Bezier curve, AutoNEB and the weight-matched line cross between them, next to the
 * same methods (and the explicit 3-segment path) in a wider net; report.json, paths.svg/png, a table.
 */
import { join } from 'node:path';
import { pathPlotSpec, type PlotPathReport } from '../plot/path-spec.js';
import { demonstrateCounterexample, type CounterexampleNet, type CounterexampleReport } from '../stability/counterexample-paths.js';
import { parseArgs, UsageError, type CommandSpec } from './args.js';
import { writeFigure } from './figure.js';
import { ensureDir, runInfo, writeJsonAtomic } from './manifest.js';
import { ProgressBar } from './progress.js';
import { formatPairs, formatTable } from './table.js';

export const spec = {
  name: 'counterexample',
  summary: 'Global minimisers that no path joins (Kuditipudi et al.): every path method crosses a barrier.',
  usage: 'modeconn counterexample --out <dir> [--h 2,4,8] [options]',
  description:
    'For each h: 2-D inputs with target |x₁| (6(h + 1) samples), fitted exactly by a 2-unit ReLU net. The\n' +
    'h-unit net has two zero-loss minimisers: the ground truth (two units, the rest 0) and a staircase\n' +
    'of h units, rigid up to rescaling, so no path joins them without a loss barrier. Measures the\n' +
    'squared loss along the line, a fitted Bezier curve, AutoNEB and the line after weight matching, then\n' +
    'the same in a wider net (default 2h + 2 units) where an explicit 3-segment path has loss 0.\n' +
    'Writes <out>/report.json and <out>/paths.svg/png. docs/STABILITY.md.',
  flags: {
    out: { kind: 'string', value: 'dir', required: true, help: 'output directory (created if needed)' },
    h: { kind: 'string', default: '2,4,8', value: 'list', help: 'hidden widths of the narrow net, comma-separated, each ≥ 2' },
    width: { kind: 'int', min: 4, value: 'n', help: 'units of the wider net (default 2h + 2; at least h + 2)' },
    points: { kind: 'int', default: 101, min: 3, value: 'n', help: 'evenly spaced t per path' },
    curveSteps: { kind: 'int', default: 3000, min: 1, value: 'n', help: 'full-batch Adam steps fitting the Bezier curve' },
    nebCycles: { kind: 'int', default: 4, min: 1, value: 'n', help: 'AutoNEB cycles' },
    nebSteps: { kind: 'int', default: 300, min: 1, value: 'n', help: 'AutoNEB steps per cycle' },
    seed: { kind: 'int', default: 0, min: 0, value: 'n', help: 'seed of the curve, AutoNEB and matching' },
    quiet: { kind: 'boolean', short: 'q', help: 'no progress output on stderr' },
  },
  examples: [
    'modeconn counterexample --out runs/cx',
    'modeconn counterexample --h 3 --width 5 --curve-steps 6000 --out runs/cx3',
  ],
} as const satisfies CommandSpec;

export async function run(argv: string[]): Promise<number> {
  const flags = parseArgs(spec, argv);
  const hs = flags.h.split(',').map((v) => Number(v.trim()));
  if (hs.some((h) => !Number.isInteger(h) || h < 2 || h > 64)) throw new UsageError(`--h: expected integers from 2 to 64, got ${JSON.stringify(flags.h)}`);
  if (flags.width !== undefined && hs.some((h) => flags.width! < h + 2)) throw new UsageError(`--width ${flags.width} is below h + 2 for h = ${Math.max(...hs)}`);
  ensureDir(flags.out);
  const progress = new ProgressBar({ label: 'counterexample', quiet: flags.quiet });
  const reports: CounterexampleReport[] = [];
  for (const [i, h] of hs.entries()) {
    reports.push(await demonstrateCounterexample(h, {
      points: flags.points, curveSteps: flags.curveSteps, nebCycles: flags.nebCycles, nebSteps: flags.nebSteps, width: flags.width, seed: flags.seed,
      onProgress: (detail, fraction) => progress.update({ fraction: (i + fraction) / hs.length, detail: `h=${h} ${detail}` }),
    }));
  }
  progress.done();
  // The plot shows the fitted paths of the largest h (the lines' barriers are far larger; the table has them all).
  const shown = reports[reports.length - 1];
  const plots: Record<string, PlotPathReport> = {};
  for (const [net, label] of [[shown.narrow, `${shown.h} units`], [shown.wide, `${shown.wide.units} units`]] as const) {
    for (const p of net.paths) if (p.method !== 'line' && p.method !== 'aligned') plots[`${p.method}, ${label}`] = plotOf(p.ts, p.losses, p.unfitted);
  }
  const files: Record<string, string> = { report: join(flags.out, 'report.json') };
  const figure = await writeFigure(pathPlotSpec(plots, {
    metric: 'error', barrierSet: null, title: `Counterexample, h = ${shown.h}: squared loss and samples off by > 0.05 along each path`,
    subtitle: `the ${shown.h}-unit net's minimisers are not connected; the ${shown.wide.units}-unit net's are (explicit path)`,
  }), flags.out, 'paths');
  Object.assign(files, figure.files);
  writeJsonAtomic(files.report, { ...runInfo(['counterexample', ...argv], 'counterexample'), status: 'completed', options: { h: hs, width: flags.width ?? null, points: flags.points, curveSteps: flags.curveSteps, nebCycles: flags.nebCycles, nebSteps: flags.nebSteps, seed: flags.seed }, results: reports, files });
  const methods = ['line', 'bezier', 'autoneb', 'aligned', 'explicit'] as const;
  const cell = (net: CounterexampleNet, m: (typeof methods)[number]) => {
    const p = net.paths.find((q) => q.method === m);
    return p ? p.barrier.toFixed(4) : '-';
  };
  const rows = reports.flatMap((r) => [r.narrow, r.wide].map((net) => [String(r.h), String(net.units), String(r.samples), ...methods.map((m) => cell(net, m))]));
  process.stdout.write(`${formatTable(['h', 'units', 'samples', 'line', 'bezier', 'autoneb', 'aligned', 'explicit'], rows)}\nbarrier = max squared loss along the path − the endpoints' (both minimisers have loss 0)\n\n${formatPairs(Object.entries(files))}`);
  return 0;
}

/** A path as the plot's report shape: error is the fraction of samples off their target by more than 0.05. */
function plotOf(ts: number[], losses: number[], unfitted: number[]): PlotPathReport {
  return { sets: { train: { points: ts.map((t, i) => ({ t, loss: losses[i], accuracy: 1 - unfitted[i], error: unfitted[i] })) } } };
}
