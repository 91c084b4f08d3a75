/** The plane panel: the heatmap of test loss through A, B and the bend, with the line and the curve drawn on it. */
import type { PlaneResult } from '../analysis/plane.js';
import { planeSpec } from '../charts/plane-spec.js';
import { Chart } from '../ui/chart.js';
import { $ } from '../ui/dom.js';

/** Half the spacing around each grid coordinate: the cell edges of a heatmap column or row. */
function findCellEdges(values: readonly number[]): Array<[number, number]> {
  return values.map((v, i) => {
    const before = i > 0 ? (v - values[i - 1]) / 2 : (values[1] - v) / 2;
    const after = i < values.length - 1 ? (values[i + 1] - v) / 2 : (v - values[i - 1]) / 2;
    return [v - before, v + after];
  });
}

/** The plane chart, created before any run. */
export class PlanePanel {
  readonly chart = Chart.create($('plane-chart'), planeSpec(), { title: 'Test loss on the plane through A, B and the bend' });

  /** Draws `plane`; colours run from the smallest loss to 20 × it (log scale, clipped above). */
  async show(plane: PlaneResult): Promise<void> {
    const { xs, ys } = plane.report;
    const loss = plane.report.sets.test.loss;
    const [xe, ye] = [findCellEdges(xs), findCellEdges(ys!)];
    const finite = loss.flat().filter((l) => Number.isFinite(l) && l > 0);
    const low = Math.max(Math.min(...finite), 1e-4);
    const high = Math.max(Math.min(Math.max(...finite), 20 * low), low * 1.01);
    const cells = ys!.flatMap((_, r) => xs.map((__, c) => {
      const l = loss[r][c];
      return { x0: xe[c][0], x1: xe[c][1], y0: ye[r][0], y1: ye[r][1], loss: l, shown: Number.isFinite(l) ? Math.min(Math.max(l, low), high) : high };
    }));
    const chart = await this.chart;
    await chart.set('cells', cells);
    await chart.set('paths', plane.paths);
    await chart.set('marks', plane.marks);
    chart.describe(`a ${xs.length} by ${ys!.length} grid; test loss from ${low.toFixed(3)}; A at (0, 0), B at (${plane.marks[1].x.toFixed(2)}, 0), the ${plane.third} at (${plane.marks[2].x.toFixed(2)}, ${plane.marks[2].y.toFixed(2)})`);
  }
}
