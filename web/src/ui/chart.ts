/**
 * A chart card: a Vega-Lite spec drawn by vega-embed (canvas renderer) inside `host`, named data sets
 * updated in place (no re-parse), SVG and PNG download buttons, and a screen-reader label.
 */
import { changeset } from 'vega';
import embed, { type Result } from 'vega-embed';
import type { TopLevelSpec } from 'vega-lite';
import { download } from './dom.js';

export interface ChartOptions {
  /** Used in the accessible name and the file names of downloads. */
  title: string;
  /** A sentence for screen readers; update it with `describe`. */
  description?: string;
}

/** Every chart by the id of its host element (tests read their data through window.lab.chartData). */
export const charts = new Map<string, Chart>();

// Charts are made one at a time, each in a task of its own, so that making several never blocks the page for long.
let queue: Promise<unknown> = Promise.resolve();

/** A Vega-Lite view in a card, with downloads (see the module header). */
export class Chart {
  private constructor(private readonly result: Result, private readonly body: HTMLElement, readonly title: string) {}

  /** Replaces what `host` holds with a chart of `spec`. */
  static create(host: HTMLElement, spec: TopLevelSpec, options: ChartOptions): Promise<Chart> {
    const made = queue.then(() => new Promise((next) => setTimeout(next, 0))).then(() => Chart.make(host, spec, options));
    queue = made.catch(() => undefined);
    return made;
  }

  private static async make(host: HTMLElement, spec: TopLevelSpec, options: ChartOptions): Promise<Chart> {
    host.replaceChildren();
    const tools = document.createElement('div');
    tools.className = 'chart-tools';
    const body = document.createElement('div');
    body.className = 'chart-body';
    body.setAttribute('role', 'img');
    host.append(tools, body);
    // Warnings about empty data sets before the first run would fill the console: errors only.
    const result = await embed(body, spec, { actions: false, renderer: 'canvas', tooltip: true, logLevel: 1 });
    const chart = new Chart(result, body, options.title);
    if (host.id) charts.set(host.id, chart);
    chart.describe(options.description ?? options.title);
    const file = options.title.toLowerCase().replace(/[^a-z0-9]+/g, '-').replace(/^-|-$/g, '');
    for (const format of ['svg', 'png'] as const) {
      const button = document.createElement('button');
      button.type = 'button';
      button.textContent = format.toUpperCase();
      button.setAttribute('aria-label', `download "${options.title}" as ${format.toUpperCase()}`);
      button.addEventListener('click', async () => download(`${file}.${format}`, format === 'svg' ? new Blob([await chart.toSvg()], { type: 'image/svg+xml' }) : await chart.toPngUrl()));
      tools.append(button);
    }
    return chart;
  }

  /** The accessible name: the title and a sentence of what the chart shows now. */
  describe(text: string): void {
    this.body.setAttribute('aria-label', `${this.title}: ${text}`);
  }

  /** Replaces the values of the named data set `name` and redraws. */
  async set(name: string, values: object[]): Promise<void> {
    await this.result.view.data(name, values).runAsync();
  }

  /** Appends rows to the named data set `name` and redraws. */
  async insert(name: string, values: object[]): Promise<void> {
    await this.result.view.change(name, changeset().insert(values)).runAsync();
  }

  /** The chart as an SVG document. */
  toSvg(): Promise<string> {
    return this.result.view.toSVG();
  }

  /** The chart as a PNG data URL (2 pixels per unit). */
  toPngUrl(): Promise<string> {
    return this.result.view.toImageURL('png', 2);
  }

  /** The values of the named data set `name` as drawn. */
  data(name: string): object[] {
    return this.result.view.data(name) as object[];
  }

  finalize(): void {
    this.result.finalize();
  }
}
