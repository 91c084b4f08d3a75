/**
 * The loss on the plane through A, B and the bend (Garipov et al. 2018, Fig. 1): a heatmap of test
 * loss on a log colour scale (cells carry `shown`, the loss clipped by the caller), with the line and
 * the curve drawn through it and the three models marked.
 */
import type { TopLevelSpec } from 'vega-lite';
import { CONFIG, FIT, PATH_COLORS, SCHEMA } from './style.js';

/** The spec; 'cells' { x0, x1, y0, y1, loss, shown }, 'paths' { path, order, x, y }, 'marks' { label, x, y }. */
export function planeSpec(): TopLevelSpec {
  const x = { type: 'quantitative' as const, scale: { nice: false, zero: false }, title: 'along B − A' };
  const y = { type: 'quantitative' as const, scale: { nice: false, zero: false }, title: 'towards the bend' };
  return {
    $schema: SCHEMA,
    ...FIT,
    height: 320,
    config: CONFIG,
    title: { text: 'Test loss on the plane through A, B and the bend', anchor: 'start', fontSize: 13 },
    layer: [
      {
        data: { name: 'cells' },
        mark: { type: 'rect' },
        encoding: {
          x: { field: 'x0', ...x },
          x2: { field: 'x1' },
          y: { field: 'y0', ...y },
          y2: { field: 'y1' },
          color: { field: 'shown', type: 'quantitative', title: 'test loss', scale: { type: 'log', scheme: 'viridis' }, legend: { orient: 'right', gradientLength: 200 } },
          tooltip: [{ field: 'loss', type: 'quantitative', format: '.4f', title: 'test loss' }],
        },
      },
      {
        data: { name: 'paths' },
        mark: { type: 'line', strokeWidth: 2.5 },
        encoding: {
          x: { field: 'x', type: 'quantitative' },
          y: { field: 'y', type: 'quantitative' },
          order: { field: 'order', type: 'quantitative' },
          color: { field: 'path', type: 'nominal', title: 'path', scale: { domain: ['line', 'Bezier curve'], range: [PATH_COLORS.line, PATH_COLORS.curve] }, legend: { orient: 'bottom' } },
        },
      },
      {
        data: { name: 'marks' },
        layer: [
          { mark: { type: 'point', shape: 'circle', filled: true, color: 'white', stroke: 'black', size: 70 }, encoding: { x: { field: 'x', type: 'quantitative' }, y: { field: 'y', type: 'quantitative' } } },
          // Dark text on a white outline reads on every colour of the heatmap.
          { mark: { type: 'text', dx: 8, dy: -8, align: 'left', color: 'white', stroke: 'white', strokeWidth: 3, fontWeight: 'bold', fontSize: 13 }, encoding: { x: { field: 'x', type: 'quantitative' }, y: { field: 'y', type: 'quantitative' }, text: { field: 'label' } } },
          { mark: { type: 'text', dx: 8, dy: -8, align: 'left', color: '#111', fontWeight: 'bold', fontSize: 13 }, encoding: { x: { field: 'x', type: 'quantitative' }, y: { field: 'y', type: 'quantitative' }, text: { field: 'label' } } },
        ],
      },
    ],
    resolve: { scale: { color: 'independent' } },
  } as TopLevelSpec;
}
