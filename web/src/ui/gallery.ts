/** The gallery of flipped digits: each 28 × 28 test image drawn through a canvas into an <img> with a text alternative. */
import type { DataSet } from 'modeconn';
import type { Flip } from '../analysis/flips.js';
import { el } from './dom.js';
import { pixelsToUrl } from './pixels.js';

/** At most this many digits are drawn (the caption gives the full count). */
export const GALLERY_MAX = 60;

/** A PNG data URL of sample `index` of a [n, 1, 28, 28] (or [n, 784]) set in [0, 1], ink dark on white. */
function drawDigit(data: DataSet, index: number): string {
  const rgba = new Uint8ClampedArray(4 * 784);
  for (let p = 0; p < 784; p++) {
    const v = 255 - Math.round(255 * Math.min(1, Math.max(0, data.x[index * 784 + p])));
    rgba.set([v, v, v, 255], 4 * p);
  }
  return pixelsToUrl(rgba, 28);
}

/** Fills `list` with the first GALLERY_MAX flips at `t`. */
export function drawGallery(list: HTMLElement, data: DataSet, flips: readonly Flip[], t: number): void {
  list.replaceChildren(...flips.slice(0, GALLERY_MAX).map((f) => {
    const item = el('li');
    const img = el('img', { src: drawDigit(data, f.index), width: '28', height: '28', alt: `test digit ${f.index}: a ${f.label}, read as ${f.predicted} at t = ${t.toFixed(2)}` });
    item.append(img, `${f.label} → ${f.predicted}`);
    return item;
  }));
}
