/**
 * Live training of A and B: epoch losses drawn as they arrive. The workers keep both cores busy, so
 * the page redraws at most once a second and only inserts the new rows (no re-parse, no re-layout
 * of old data): main-thread tasks stay short while training.
 */
import type { EpochLog } from 'modeconn';
import { trainingSpec, type TrainingRow } from '../charts/training-spec.js';
import { Chart } from '../ui/chart.js';
import { $ } from '../ui/dom.js';

const REDRAW_MS = 1000;

/** The training chart and its queue of rows. */
export class TrainingPanel {
  private chart?: Promise<Chart>;
  private pending: TrainingRow[] = [];
  private timer: ReturnType<typeof setTimeout> | null = null;
  private last = { A: '', B: '' };

  /** Creates the chart (before training starts, so that no chart is parsed while training). */
  ready(): Promise<Chart> {
    this.chart ??= Chart.create($('training'), trainingSpec(), { title: 'Training A and B' });
    return this.chart;
  }

  /** Clears the chart for a new pair of runs. */
  async reset(): Promise<void> {
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    this.pending = [];
    await (await this.ready()).set('logs', []);
  }

  /** Adds one epoch of network `net`. */
  add(net: 'A' | 'B', log: EpochLog): void {
    this.pending.push({ net, epoch: log.epoch, set: 'train', loss: log.trainLoss });
    if (log.testLoss !== undefined) this.pending.push({ net, epoch: log.epoch, set: 'test', loss: log.testLoss });
    this.last[net] = `${net}: epoch ${log.epoch}, training loss ${log.trainLoss.toFixed(3)}${log.testAccuracy !== undefined ? `, test accuracy ${(100 * log.testAccuracy).toFixed(1)}%` : ''}`;
    this.timer ??= setTimeout(() => void this.flush(), REDRAW_MS);
  }

  /** Draws what is queued now (also called when training ends). */
  async flush(): Promise<void> {
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    const rows = this.pending;
    this.pending = [];
    if (rows.length === 0) return;
    const chart = await this.ready();
    await chart.insert('logs', rows);
    chart.describe(`${this.last.A}; ${this.last.B}`);
  }
}
