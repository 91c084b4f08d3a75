/**
 * A Vega-Lite spec of the per-layer comparison of Nguyen et al.'s experiments A and B: for each
 * network and hidden layer, the loss of the probe (keep a fraction of the layer's units, refit the
 * layers above) beside the loss of the pruned network (drop half of layers ℓ..d, rest × 2, no
 * retraining), as grouped bars, with the network's own loss as a dashed rule.
 */
import type { PlotSpec } from './spec.js';

/** What the plot reads per network: its own loss and per layer the probe and pruned losses on each set. */
export interface PlotConditionsNet {
  label: string;
  network: Record<string, number>;
  layers: ReadonlyArray<{ layer: number; probe: Record<string, number>; pruned?: Record<string, number> }>;
}

export function conditionsPlotSpec(nets: readonly PlotConditionsNet[], options: { title?: string; subtitle?: string; fraction?: number } = {}): PlotSpec {
  const probeName = `probe: keep ${options.fraction ?? 0.5} of ℓ, refit above`;
  const prunedName = 'pruned: drop ½ of ℓ..d, rest × 2';
  const bars = nets.flatMap((n) => n.layers.flatMap((l) => [
    ...Object.entries(l.probe).map(([set, loss]) => ({ net: n.label, set, layer: `layer ${l.layer}`, method: probeName, loss })),
    ...Object.entries(l.pruned ?? {}).map(([set, loss]) => ({ net: n.label, set, layer: `layer ${l.layer}`, method: prunedName, loss })),
  ]));
  const rules = nets.flatMap((n) => Object.entries(n.network).map(([set, loss]) => ({ net: n.label, set, loss, method: 'the network itself' })));
  return {
    $schema: 'https://vega.github.io/schema/vega-lite/v6.json',
    title: { text: options.title ?? 'Probe (experiment A) vs pruning (experiment B) per hidden layer; dashed: the network itself', ...(options.subtitle ? { subtitle: options.subtitle } : {}), anchor: 'start' },
    background: 'white',
    padding: 12,
    // One table for bars and rules: a facet splits its own data, so every layer filters it.
    data: { values: [...bars.map((r) => ({ ...r, mark: 'bar' })), ...rules.map((r) => ({ ...r, mark: 'rule' }))] },
    facet: { row: { field: 'set', type: 'nominal', title: null, sort: ['train', 'test'] }, column: { field: 'net', type: 'nominal', title: null } },
    spec: {
      width: 260,
      height: 180,
      layer: [
        {
          transform: [{ filter: "datum.mark === 'bar'" }],
          mark: { type: 'bar' },
          encoding: {
            x: { field: 'layer', type: 'nominal', title: null, axis: { labelAngle: 0 } },
            xOffset: { field: 'method', type: 'nominal' },
            y: { field: 'loss', type: 'quantitative', title: 'loss' },
            color: { field: 'method', type: 'nominal', title: null, sort: [probeName, prunedName] },
            tooltip: [{ field: 'net' }, { field: 'set' }, { field: 'layer' }, { field: 'method' }, { field: 'loss', format: '.4g' }],
          },
        },
        {
          transform: [{ filter: "datum.mark === 'rule'" }],
          mark: { type: 'rule', strokeDash: [4, 3], color: '#444' },
          encoding: { y: { field: 'loss', type: 'quantitative' } },
        },
      ],
    },
    resolve: { scale: { y: 'shared' } },
    config: { font: 'DejaVu Sans, sans-serif', view: { stroke: '#ccc' }, legend: { orient: 'bottom', labelLimit: 400 } },
  } as unknown as PlotSpec;
}
