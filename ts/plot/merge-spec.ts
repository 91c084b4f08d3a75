/**
 * A Vega-Lite spec of a merge: test error and loss of every member, the naive average and the
 * merged model (and its REPAIRed version), one bar each — the gap merging closes at a glance.
 */
import type { PlotSpec } from './spec.js';

/** The parts of a merge report a plot reads: one row per model. */
export interface PlotMergeReport {
  rows: ReadonlyArray<{ label: string; kind: 'member' | 'naive' | 'merged'; loss: number; accuracy: number }>;
}

/** Bars of test error and loss per model of a merge. */
export function mergePlotSpec(report: PlotMergeReport, options: { title?: string; subtitle?: string } = {}): PlotSpec {
  const values = report.rows.flatMap((r) => [
    { label: r.label, kind: r.kind, metric: 'test error', value: 1 - r.accuracy },
    { label: r.label, kind: r.kind, metric: 'test loss', value: r.loss },
  ]);
  return {
    $schema: 'https://vega.github.io/schema/vega-lite/v5.json',
    title: { text: options.title ?? 'Merged model against its members', ...(options.subtitle ? { subtitle: options.subtitle } : {}) },
    data: { values },
    facet: { column: { field: 'metric', type: 'nominal', title: null, sort: ['test error', 'test loss'] } },
    spec: {
      width: 260,
      height: 220,
      mark: { type: 'bar' },
      encoding: {
        x: { field: 'label', type: 'nominal', sort: report.rows.map((r) => r.label), title: null, axis: { labelAngle: -30 } },
        y: { field: 'value', type: 'quantitative', title: null },
        color: { field: 'kind', type: 'nominal', title: null, sort: ['member', 'naive', 'merged'] },
      },
    },
    resolve: { scale: { y: 'independent' } },
  } as PlotSpec;
}
