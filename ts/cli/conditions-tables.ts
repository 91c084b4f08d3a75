/**
 * The summary tables of `modeconn conditions`: widths against √N and N; per network and hidden
 * layer the probe (experiment A) beside pruning (experiment B); per path segment its worst loss
 * against its bound on train and test; the constructed path beside the line. Also the JSON form of
 * a probe report (kept units and results, without the probes' weights).
 */
import type { BoundCheck } from '../conditions/bound.js';
import type { ConstructedPath } from '../conditions/constructed-path.js';
import type { ProbeReport } from '../conditions/probe.js';
import type { PruningComparison } from '../conditions/pruning.js';
import type { WidthConditions } from '../conditions/widths.js';
import type { PathsReport } from './path-run.js';
import { fixed4, formatTable, percent } from './table.js';

/** A probe report for report.json: every field but the probes' parameters. */
export function probeJson(r: ProbeReport) {
  return {
    fraction: r.fraction,
    network: r.network,
    layers: r.layers.map(({ params: _params, arch, kept, draws, ...rest }) => ({
      ...rest, kept: Array.from(kept), probeArch: arch, draws: draws.map((d) => ({ ...d, kept: Array.from(d.kept) })),
    })),
  };
}

function widthLines(w: WidthConditions): string {
  const layers = w.layers.map((l) => `${l.units} (${fixed4(l.overSqrtN)} √N, ${l.regime})`).join(', ');
  return `N = ${w.n} training samples, √N = ${fixed4(w.sqrtN)}; hidden widths ${layers}\n` +
    `last two hidden layers: ${w.lastTwo.join(', ')} = ${fixed4(w.lastTwoOverSqrtN)} √N at the least; ${w.someLayerAtLeastN ? 'some layer has ≥ N units' : 'no layer has N units'}`;
}

function probeTable(probes: ProbeReport[], pruning: PruningComparison[] | { notSupported: string }): string {
  const rows: string[][] = [];
  probes.forEach((p, i) => {
    const net = i === 0 ? 'A' : 'B';
    rows.push([net, 'network', '-', '-', fixed4(p.network.train.loss), percent(p.network.train.error), fixed4(p.network.test?.loss), percent(p.network.test?.error), '-', '-', '-', '-']);
    for (const l of p.layers) {
      const pr = Array.isArray(pruning) ? pruning[i].rows.find((r) => r.layer === l.layer) : undefined;
      rows.push([net, `layer ${l.layer}`, String(l.units), String(l.kept.length), fixed4(l.train.loss), percent(l.train.error), fixed4(l.test?.loss), percent(l.test?.error),
        l.separable ? 'yes' : 'no', fixed4(l.margin ?? l.logitMargin), pr ? fixed4(pr.pruned.train.loss) : '-', pr ? percent(pr.pruned.test?.error) : '-']);
    }
  });
  const table = formatTable(['net', 'probe of', 'units', 'kept', 'train loss', 'train err', 'test loss', 'test err', 'separable', 'margin', 'pruned train loss', 'pruned test err'], rows);
  const eps = Array.isArray(pruning) ? `ε_A = ${fixed4(pruning[0].epsilon)}, ε_B = ${fixed4(pruning[1].epsilon)} (dropout at layers ℓ..d, the rest × 2)` : `pruning: NOT_SUPPORTED: ${pruning.notSupported}`;
  return `${table}margin: geometric for linear probes, z_y − max z_j otherwise; ${eps}`;
}

function segmentTable(built: ConstructedPath, bound: Record<string, BoundCheck>): string {
  const name = (f: { net: string; probe: number }) => (f.probe === 0 ? f.net : `${f.net}.probe${f.probe}`);
  const rows = built.segments.map((s, i) => {
    const tr = bound.train.segments[i];
    const te = bound.test.segments[i];
    return [String(i + 1), s.kind, s.step, `${name(s.from)}→${name(s.to)}`, fixed4(tr.maxLoss), fixed4(tr.bound), tr.holds ? 'yes' : 'NO', fixed4(te.maxLoss), fixed4(te.bound), te.holds ? 'yes' : 'NO'];
  });
  return formatTable(['seg', 'kind', 'step', 'function', 'max train', 'bound', 'ok', 'max test', 'bound', 'ok'], rows);
}

/** Every table of the command's summary. */
export function conditionsTables(init: {
  widths: WidthConditions;
  probes: ProbeReport[];
  pruning: PruningComparison[] | { notSupported: string };
  built?: ConstructedPath;
  bound: Record<string, BoundCheck>;
  report: PathsReport;
}): string {
  const { widths, probes, pruning, built, bound, report } = init;
  const parts = [widthLines(widths), '', probeTable(probes, pruning), ''];
  const line = report.paths.line.sets;
  const lineText = `line:             max train loss ${fixed4(line.train.metrics!.loss.max)} (barrier ${fixed4(line.train.metrics!.loss.barrier)}), max test loss ${fixed4(line.test.metrics!.loss.max)} (barrier ${fixed4(line.test.metrics!.loss.barrier)})`;
  if (built) {
    parts.push(segmentTable(built, bound));
    for (const set of ['train', 'test'] as const) {
      const c = bound[set];
      const ends = Math.max(...report.paths.constructed.sets[set].metrics!.loss.endpoints);
      parts.push(`constructed path: worst ${set} loss ${fixed4(c.worst)} (max(L_A, L_B) = ${fixed4(ends)}), theorem bound ${fixed4(c.theoremBound)}: ${c.holds ? 'every segment within its bound' : 'SOME SEGMENT EXCEEDS ITS BOUND'}`);
    }
  } else {
    parts.push('constructed path: NOT_SUPPORTED for this architecture (see report.json)');
  }
  parts.push(lineText);
  return `${parts.join('\n')}\n`;
}
