/** Colours and shared Vega-Lite settings of the lab's charts (one place, so every chart agrees). */
import type { PathKey } from '../state.js';

export const PATH_COLORS: Record<PathKey, string> = { line: '#d95f02', curve: '#1b9e77', matched: '#7570b3' };
export const PATH_LABELS: Record<PathKey, string> = { line: 'line', curve: 'Bezier curve', matched: 'matched line' };
export const NET_COLORS = { A: '#3a5fcd', B: '#e0882b' };
/** Class colours (Tableau 10), as RGB for the decision-region images. */
export const CLASS_RGB: ReadonlyArray<readonly [number, number, number]> = [
  [78, 121, 167], [242, 142, 43], [89, 161, 79], [225, 87, 89], [118, 183, 178], [237, 201, 72], [176, 122, 161], [255, 157, 167], [156, 117, 95], [186, 176, 172],
];
export const CLASS_HEX = CLASS_RGB.map(([r, g, b]) => `#${[r, g, b].map((v) => v.toString(16).padStart(2, '0')).join('')}`);

/** Width follows the card; the card's CSS gives the height of square charts. */
export const FIT = { width: 'container' as const, autosize: { type: 'fit' as const, contains: 'padding' as const } };
export const SCHEMA = 'https://vega.github.io/schema/vega-lite/v6.json';
export const CONFIG = { background: 'white', view: { stroke: '#ccc' }, axis: { labelFontSize: 11, titleFontSize: 12 }, legend: { orient: 'bottom' as const, labelFontSize: 11 } };
