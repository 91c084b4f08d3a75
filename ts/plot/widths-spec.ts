/**
 * A Vega-Lite spec of a width sweep: the line barrier, the barrier after weight matching, the
 * constructed path's excess over the worse endpoint, the worst probe loss and the dropout-stability
 * ε, against the width at a fixed N (rules at w = √N and w = N) and against N at a fixed width
 * (rules at N = w², where w = √N, and N = w). A symlog y axis shows zeros and small values together.
 */
import type { PlotSpec } from './spec.js';

/** The fields of a sweep row the plot reads (a SweepRow, or the same from report.json). */
export interface PlotSweepRow {
  n: number;
  width: number;
  lineBarrier: number;
  matchedBarrier: number;
  path: { excess: number };
  probes: ReadonlyArray<{ losses: readonly number[] }>;
  epsilon: readonly number[];
}

const SERIES = ['line barrier', 'barrier after weight matching', 'constructed path: worst − max(L_A, L_B)', 'worst probe loss', 'dropout ε'];

function seriesOf(r: PlotSweepRow): Array<{ series: string; value: number }> {
  const mean = (v: readonly number[]) => v.reduce((a, b) => a + b, 0) / v.length;
  return [
    { series: SERIES[0], value: r.lineBarrier },
    { series: SERIES[1], value: r.matchedBarrier },
    { series: SERIES[2], value: r.path.excess },
    { series: SERIES[3], value: Math.max(...r.probes.flatMap((p) => p.losses)) },
    { series: SERIES[4], value: mean(r.epsilon) },
  ];
}

/** Panels for the rows at N = fixedN (x = width) and at width = fixedWidth (x = N), whichever exist. */
export function widthSweepPlotSpec(rows: readonly PlotSweepRow[], options: { fixedN?: number; fixedWidth?: number; title?: string; subtitle?: string } = {}): PlotSpec {
  const colour = { field: 'series', type: 'nominal', title: null, sort: SERIES } as const;
  const panel = (name: string, x: 'width' | 'n', picked: readonly PlotSweepRow[], marks: Array<{ at: number; label: string }>) => ({
    width: 320,
    height: 240,
    title: name,
    layer: [
      {
        data: { values: picked.flatMap((r) => seriesOf(r).map((s) => ({ ...s, width: r.width, n: r.n }))) },
        mark: { type: 'line', point: { filled: true, size: 30 } },
        encoding: {
          x: { field: x, type: 'quantitative', title: x === 'width' ? 'hidden width w' : 'training samples N', scale: { type: 'log' } },
          y: { field: 'value', type: 'quantitative', title: 'train loss', scale: { type: 'symlog', constant: 0.001 }, axis: { values: [0, 0.001, 0.01, 0.1, 1, 10], format: '~g' } },
          color: colour,
          tooltip: [{ field: 'series' }, { field: 'width' }, { field: 'n', title: 'N' }, { field: 'value', format: '.4g' }],
        },
      },
      {
        data: { values: marks },
        layer: [
          { mark: { type: 'rule', strokeDash: [4, 3], color: '#666' }, encoding: { x: { field: 'at', type: 'quantitative' } } },
          { mark: { type: 'text', align: 'left', dx: 3, y: 8, fontSize: 10, color: '#444' }, encoding: { x: { field: 'at', type: 'quantitative' }, text: { field: 'label' } } },
        ],
      },
    ],
  });
  const panels = [];
  const { fixedN, fixedWidth } = options;
  const atN = fixedN === undefined ? [] : rows.filter((r) => r.n === fixedN).sort((a, b) => a.width - b.width);
  if (atN.length > 0) panels.push(panel(`N = ${fixedN}`, 'width', atN, [{ at: Math.sqrt(fixedN!), label: 'w = √N' }, { at: fixedN!, label: 'w = N' }]));
  const atW = fixedWidth === undefined ? [] : rows.filter((r) => r.width === fixedWidth).sort((a, b) => a.n - b.n);
  if (atW.length > 0) panels.push(panel(`w = ${fixedWidth}`, 'n', atW, [{ at: fixedWidth! ** 2, label: 'w = √N' }, { at: fixedWidth!, label: 'w = N' }]));
  return {
    $schema: 'https://vega.github.io/schema/vega-lite/v6.json',
    title: { text: options.title ?? 'Connectivity against width (Nguyen et al. 2021)', ...(options.subtitle ? { subtitle: options.subtitle } : {}), anchor: 'start' },
    background: 'white',
    padding: 12,
    hconcat: panels,
    resolve: { scale: { color: 'shared' } },
    config: { font: 'DejaVu Sans, sans-serif', view: { stroke: '#ccc' }, legend: { orient: 'bottom', labelLimit: 400, columns: 2 } },
  } as unknown as PlotSpec;
}
