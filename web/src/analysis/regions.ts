/**
 * Decision regions of a 2-D classifier: a res × res grid over the data's bounds (10 % margin) as a
 * data set, the network's logits on it (one runner call), and an RGBA image of the arg-max class
 * blended with white by the margin of the softmax, p_max ∈ [1/K, 1] → strength ∈ [0, 1].
 */
import { createDataSet, type Arch, type DataSet, type Runner } from 'modeconn';
import { CLASS_RGB } from '../charts/style.js';

/** A rectangle of the input plane. */
export interface Bounds {
  x0: number;
  x1: number;
  y0: number;
  y1: number;
}

/** A grid of inputs over `bounds`; sample r·res + c sits at column c (x) and row r (y from the top). */
export interface RegionGrid {
  bounds: Bounds;
  res: number;
  set: DataSet;
}

/** The data's bounding box with a 10 % margin on every side. */
export function measureBounds(data: DataSet): Bounds {
  let [x0, x1, y0, y1] = [Infinity, -Infinity, Infinity, -Infinity];
  for (let i = 0; i < data.n; i++) {
    const [x, y] = [data.x[2 * i], data.x[2 * i + 1]];
    [x0, x1, y0, y1] = [Math.min(x0, x), Math.max(x1, x), Math.min(y0, y), Math.max(y1, y)];
  }
  const [mx, my] = [0.1 * (x1 - x0 || 1), 0.1 * (y1 - y0 || 1)];
  return { x0: x0 - mx, x1: x1 + mx, y0: y0 - my, y1: y1 + my };
}

/** The grid's inputs at pixel centres, as a data set of `classes` classes (labels unused). */
export function makeRegionGrid(bounds: Bounds, classes: number, res = 64): RegionGrid {
  const x = new Float32Array(2 * res * res);
  for (let r = 0; r < res; r++) {
    for (let c = 0; c < res; c++) {
      const k = r * res + c;
      x[2 * k] = bounds.x0 + ((c + 0.5) / res) * (bounds.x1 - bounds.x0);
      x[2 * k + 1] = bounds.y1 - ((r + 0.5) / res) * (bounds.y1 - bounds.y0);
    }
  }
  return { bounds, res, set: createDataSet({ name: 'region-grid', x, y: new Uint32Array(res * res), shape: [2], classes }) };
}

/** θ's logits `[res², classes]` on the grid, computed by `runner`. */
export async function computeRegionLogits(runner: Runner, arch: Arch, theta: Float32Array, grid: RegionGrid, bnData?: DataSet): Promise<Float32Array> {
  const [[result]] = await runner.evaluate(arch, [theta], [grid.set], { logits: true, ...(bnData ? { bnData } : {}) });
  return result.logits!;
}

/** The RGBA pixels (see the module header) and the arg-max class of each pixel. */
export function colorRegions(logits: Float32Array, classes: number, res: number): { rgba: Uint8ClampedArray<ArrayBuffer>; argmax: Uint8Array } {
  const rgba = new Uint8ClampedArray(4 * res * res);
  const argmax = new Uint8Array(res * res);
  for (let k = 0; k < res * res; k++) {
    let best = 0;
    for (let c = 1; c < classes; c++) if (logits[k * classes + c] > logits[k * classes + best]) best = c;
    let sum = 0;
    for (let c = 0; c < classes; c++) sum += Math.exp(logits[k * classes + c] - logits[k * classes + best]);
    const strength = classes > 1 ? Math.max(0, (1 / sum - 1 / classes) / (1 - 1 / classes)) : 1;
    const alpha = 0.18 + 0.55 * strength;
    const rgb = CLASS_RGB[best % CLASS_RGB.length];
    for (let ch = 0; ch < 3; ch++) rgba[4 * k + ch] = Math.round(255 * (1 - alpha) + rgb[ch] * alpha);
    rgba[4 * k + 3] = 255;
    argmax[k] = best;
  }
  return { rgba, argmax };
}
