/**
 * Training curves of A and B, live: loss per epoch (solid: training batches; dashed: test set). No
 * title or legends (the page's HTML says what the lines are): it redraws while the workers are busy.
 */
import type { TopLevelSpec } from 'vega-lite';
import { CONFIG, FIT, NET_COLORS, SCHEMA } from './style.js';

/** One point of the chart's 'logs' data set. */
export interface TrainingRow {
  net: 'A' | 'B';
  epoch: number;
  set: 'train' | 'test';
  loss: number;
}

/** The spec; rows go into the named data set 'logs'. */
export function trainingSpec(): TopLevelSpec {
  return {
    $schema: SCHEMA,
    ...FIT,
    height: 160,
    config: CONFIG,
    data: { name: 'logs' },
    mark: { type: 'line', strokeWidth: 1.5 },
    encoding: {
      x: { field: 'epoch', type: 'quantitative', title: 'epoch', axis: { tickMinStep: 1 } },
      y: { field: 'loss', type: 'quantitative', title: 'loss', scale: { zero: true } },
      color: { field: 'net', type: 'nominal', title: 'network', legend: null, scale: { domain: ['A', 'B'], range: [NET_COLORS.A, NET_COLORS.B] } },
      strokeDash: { field: 'set', type: 'nominal', title: 'data', legend: null, scale: { domain: ['train', 'test'], range: [[1, 0], [4, 3]] } },
      detail: { field: 'set' },
    },
  } as TopLevelSpec;
}
