/**
 * A Vega-Lite spec of a simplex evaluation: loss and error of every evaluated point (vertices,
 * centroid, random interior points) per data set, with the ensemble of the random points as a
 * dashed rule — the interior's spread against its vertices at a glance.
 */
import type { PlotSpec } from './spec.js';

/** The parts of a simplex report a plot reads (a SimplexReport, or the same fields from report.json). */
export interface PlotSimplexReport {
  points: ReadonlyArray<{ kind: 'vertex' | 'centroid' | 'sample'; sets: Record<string, { loss: number; accuracy: number }> }>;
  ensemble: Record<string, { loss: number; accuracy: number }>;
}

export function simplexPlotSpec(report: PlotSimplexReport, options: { title?: string; subtitle?: string } = {}): PlotSpec {
  let vertex = 0;
  const group = (kind: string) => (kind === 'vertex' ? `vertex ${vertex++}` : kind === 'centroid' ? 'centroid' : 'random points');
  const rows = report.points.flatMap((p) => {
    const g = group(p.kind);
    return Object.entries(p.sets).flatMap(([set, r]) => [
      { group: g, set, metric: 'loss', value: r.loss },
      { group: g, set, metric: 'error', value: 1 - r.accuracy },
    ]);
  });
  const ensemble = Object.entries(report.ensemble).flatMap(([set, r]) => [
    { set, metric: 'loss', value: r.loss, label: 'ensemble' },
    { set, metric: 'error', value: 1 - r.accuracy, label: 'ensemble' },
  ]);
  const order = [...new Set(rows.map((r) => r.group))];
  return {
    $schema: 'https://vega.github.io/schema/vega-lite/v5.json',
    title: { text: options.title ?? 'Points of the simplex', ...(options.subtitle ? { subtitle: options.subtitle } : {}) },
    data: { values: [...rows.map((r) => ({ ...r, kind: 'point' })), ...ensemble.map((r) => ({ ...r, kind: 'ensemble' }))] },
    facet: { column: { field: 'metric', type: 'nominal', title: null, sort: ['loss', 'error'] } },
    spec: {
      width: 300,
      height: 220,
      layer: [
        {
          transform: [{ filter: "datum.kind === 'point'" }],
          mark: { type: 'point', filled: true, opacity: 0.8 },
          encoding: {
            x: { field: 'group', type: 'nominal', sort: order, title: null, axis: { labelAngle: 0 } },
            y: { field: 'value', type: 'quantitative', title: null, scale: { zero: false } },
            color: { field: 'set', type: 'nominal', title: 'data' },
            xOffset: { field: 'set', type: 'nominal' },
          },
        },
        {
          transform: [{ filter: "datum.kind === 'ensemble'" }],
          mark: { type: 'rule', strokeDash: [5, 3] },
          encoding: { y: { field: 'value', type: 'quantitative' }, color: { field: 'set', type: 'nominal' } },
        },
      ],
    },
    resolve: { scale: { y: 'independent' } },
  } as PlotSpec;
}
