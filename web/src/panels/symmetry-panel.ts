/** The symmetry panel: correlation matrices before and after matching (one layer at a time) and the barrier decomposition bars. */
import type { LayerCorrelation, SymmetryResult } from '../analysis/symmetry.js';
import { explainSpec } from '../charts/explain-spec.js';
import { divergingColor, matrixSpec } from '../charts/matrix-spec.js';
import { pixelsToUrl } from '../ui/pixels.js';
import { Chart } from '../ui/chart.js';
import { $, el } from '../ui/dom.js';

/** The matrix as the 'image' row of matrixSpec: one pixel per pair of units. */
function drawMatrix(matrix: Float64Array, n: number): Array<{ url: string; n: number }> {
  const rgba = new Uint8ClampedArray(4 * n * n);
  for (let k = 0; k < n * n; k++) rgba.set([...divergingColor(matrix[k]), 255], 4 * k);
  return [{ url: pixelsToUrl(rgba, n), n }];
}

/** The symmetry charts, redrawn per layer. */
export class SymmetryPanel {
  private readonly before = Chart.create($('corr-before'), matrixSpec('Before matching', "B's unit"), { title: 'Unit correlations before matching' });
  private readonly after = Chart.create($('corr-after'), matrixSpec('After matching', "matched B's unit"), { title: 'Unit correlations after matching' });
  private readonly explain = Chart.create($('explain-chart'), explainSpec(), { title: 'Loss barrier after each symmetry is removed' });
  private result?: SymmetryResult;

  constructor() {
    $('group').addEventListener('change', () => void this.showLayer(Number(($('group') as HTMLSelectElement).value)));
  }

  /** Resolves when the charts exist. */
  ready(): Promise<unknown> {
    return Promise.all([this.before, this.after, this.explain]);
  }

  /** Draws `result` (layer 0 first) and the explain bars. */
  async show(result: SymmetryResult): Promise<void> {
    this.result = result;
    const select = $('group') as HTMLSelectElement;
    select.replaceChildren(...result.layers.map((l, k) => el('option', { value: String(k) }, `hidden layer ${k + 1} (${l.size} units)`)));
    await this.showLayer(0);
    const rows = result.rows.filter((r) => r.lossBarrier !== null).map((r, order) => ({ label: r.label, barrier: r.lossBarrier!, error: r.accuracyBarrier!, order }));
    const explain = await this.explain;
    await explain.set('rows', rows);
    explain.describe(rows.map((r) => `${r.label} ${r.barrier.toFixed(3)}`).join('; '));
  }

  private async showLayer(k: number): Promise<void> {
    const layer: LayerCorrelation | undefined = this.result?.layers[k];
    if (!layer) return;
    const [before, after] = await Promise.all([this.before, this.after]);
    await before.set('image', drawMatrix(layer.before, layer.shown));
    await after.set('image', drawMatrix(layer.after, layer.shown));
    const shown = layer.shown < layer.size ? ` (first ${layer.shown} of ${layer.size} units shown)` : '';
    $('corr-caption').textContent = `After ${this.result!.best} matching (the one that leaves the lower barrier): the mean correlation of A's unit i with its matched unit is ${layer.diagonalAfter.toFixed(2)}, against ${layer.diagonalBefore.toFixed(2)} for unit i of B before${shown}.`;
    before.describe(`mean correlation of unit i with unit i: ${layer.diagonalBefore.toFixed(3)}${shown}`);
    after.describe(`after ${this.result!.best} matching, mean correlation of unit i with its matched unit: ${layer.diagonalAfter.toFixed(3)}${shown}`);
  }
}
