/**
 * A Vega-Lite spec of an instability analysis (Frankle et al. 2020): the error and loss barriers
 * between two children against the step k they were spawned at, with the 2% line of stability.
 */
import type { PlotSpec } from './spec.js';

/** The parts of an instability report a plot reads. */
export interface PlotInstabilityReport {
  spawns: ReadonlyArray<{ step: number; errorBarrier: number; lossBarrier: number }>;
}

/** Barrier against spawn step, one panel for error and one for loss. */
export function instabilityPlotSpec(report: PlotInstabilityReport, options: { title?: string; subtitle?: string } = {}): PlotSpec {
  const values = report.spawns.flatMap((s) => [
    { step: s.step, metric: 'error barrier', value: s.errorBarrier },
    { step: s.step, metric: 'loss barrier', value: s.lossBarrier },
  ]);
  return {
    $schema: 'https://vega.github.io/schema/vega-lite/v5.json',
    title: { text: options.title ?? 'Instability: barrier between two children against the spawn step', ...(options.subtitle ? { subtitle: options.subtitle } : {}) },
    data: { values },
    facet: { column: { field: 'metric', type: 'nominal', title: null, sort: ['error barrier', 'loss barrier'] } },
    spec: {
      width: 300,
      height: 220,
      layer: [
        {
          mark: { type: 'line', point: true },
          encoding: {
            x: { field: 'step', type: 'quantitative', title: 'spawn step k', scale: { type: 'symlog' } },
            y: { field: 'value', type: 'quantitative', title: null },
          },
        },
        {
          transform: [{ filter: "datum.metric === 'error barrier'" }],
          mark: { type: 'rule', strokeDash: [5, 3], color: 'gray' },
          encoding: { y: { datum: 0.02 } },
        },
      ],
    },
    resolve: { scale: { y: 'independent' } },
  } as PlotSpec;
}
