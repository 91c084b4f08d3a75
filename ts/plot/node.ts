/**
 * `modeconn/plot` (Node): the spec builders plus rendering to SVG and PNG. Rendering needs the
 * optional packages vega, vega-lite and @resvg/resvg-wasm (`npm install vega vega-lite @resvg/resvg-wasm`).
 * @module modeconn/plot
 */
export * from './index.js';
export { renderSvg, renderPng, writePlots, DEJAVU_SANS, type RenderPngOptions } from './render.js';
