/**
 * Vega-Lite specs of ensembles: test accuracy and NLL against the number of members per method —
 * each method's ensembles at the comparison's budgets as points joined by lines, and the growth
 * curves (the ensemble after each added member: independent networks, FGE snapshots) as thin lines;
 * dashed rules mark reference models (a single network, an SGD baseline). Plain JSON, browser-safe.
 */
import type { PlotSpec } from './spec.js';

/** A point of a method's curve: its member count, budget label and metrics. */
export interface PlotEnsemblePoint {
  members: number;
  accuracy: number;
  nll: number;
  /** The budget in networks (comparison rows), shown in the tooltip. */
  k?: number;
}

export interface EnsemblePlotInput {
  /** Method → its ensembles at equal budgets (points joined by a line). */
  budgets?: Record<string, readonly PlotEnsemblePoint[]>;
  /** Method → the ensemble after each added member (thin line). */
  growth?: Record<string, readonly PlotEnsemblePoint[]>;
  /** Label → a reference model (a dashed rule in each panel). */
  references?: Record<string, { accuracy: number; nll: number }>;
}

export interface EnsemblePlotOptions {
  title?: string;
  subtitle?: string;
  /** The x axis: 'members' (default) or 'k', the budget in networks (growth curves are then left out). */
  x?: 'members' | 'k';
  width?: number;
  height?: number;
}

/** Accuracy and NLL versus members (or budget); see the module header. */
export function ensemblePlotSpec(input: EnsemblePlotInput, options: EnsemblePlotOptions = {}): PlotSpec {
  const byBudget = options.x === 'k';
  const rows: Array<Record<string, unknown>> = [];
  const push = (layer: string, method: string, p: PlotEnsemblePoint) => {
    rows.push({ layer, method, members: p.members, k: p.k ?? null, metric: 'test accuracy', value: p.accuracy });
    rows.push({ layer, method, members: p.members, k: p.k ?? null, metric: 'test NLL', value: p.nll });
  };
  for (const [method, points] of Object.entries(input.budgets ?? {})) for (const p of points) push('budget', method, p);
  if (!byBudget) for (const [method, points] of Object.entries(input.growth ?? {})) for (const p of points) push('growth', `${method} (each member)`, p);
  for (const [label, r] of Object.entries(input.references ?? {})) {
    rows.push({ layer: 'reference', method: label, metric: 'test accuracy', value: r.accuracy });
    rows.push({ layer: 'reference', method: label, metric: 'test NLL', value: r.nll });
  }
  const x = byBudget
    ? { field: 'k', type: 'quantitative', title: 'budget (networks\' worth of epochs)', scale: { type: 'log', base: 2 }, axis: { values: [1, 2, 4, 8, 16, 32] } }
    : { field: 'members', type: 'quantitative', title: 'members', scale: { type: 'log', base: 2 }, axis: { values: [1, 2, 4, 8, 16, 32] } };
  const defaultTitle = byBudget ? 'Ensembles at equal training budget' : 'Ensembles: test accuracy and NLL against members';
  return {
    $schema: 'https://vega.github.io/schema/vega-lite/v5.json',
    title: { text: options.title ?? defaultTitle, ...(options.subtitle ? { subtitle: options.subtitle } : {}) },
    data: { values: rows },
    facet: { column: { field: 'metric', type: 'nominal', title: null, sort: ['test accuracy', 'test NLL'] } },
    spec: {
      width: options.width ?? 320,
      height: options.height ?? 240,
      layer: [
        {
          transform: [{ filter: "datum.layer === 'growth'" }],
          mark: { type: 'line', strokeWidth: 1, opacity: 0.6, point: { size: 12 } },
          encoding: { x, y: { field: 'value', type: 'quantitative', title: null, scale: { zero: false } }, color: { field: 'method', type: 'nominal', title: 'method' } },
        },
        {
          transform: [{ filter: "datum.layer === 'budget'" }],
          mark: { type: 'line', strokeWidth: 2, point: { size: 50, filled: true } },
          encoding: {
            x, y: { field: 'value', type: 'quantitative' }, color: { field: 'method', type: 'nominal' },
            tooltip: [{ field: 'method' }, { field: 'k', title: 'budget (networks)' }, { field: 'members' }, { field: 'value', format: '.4f' }],
          },
        },
        {
          transform: [{ filter: "datum.layer === 'reference'" }],
          mark: { type: 'rule', strokeDash: [5, 3] },
          encoding: { y: { field: 'value', type: 'quantitative' }, color: { field: 'method', type: 'nominal' } },
        },
      ],
    },
    resolve: { scale: { y: 'independent' } },
  } as PlotSpec;
}
