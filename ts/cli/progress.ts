/**
 * A progress bar on stderr: fraction, elapsed time, ETA and the latest loss. On a TTY it redraws
 * one line in place (at most ~12 times a second); otherwise (logs, CI, pipes) it prints a line each
 * time another ~10% is done. Silent when quiet.
 */

/** Where the bar draws; process.stderr in the CLI, a fake stream in tests. */
export interface ProgressStream {
  write(text: string): unknown;
  isTTY?: boolean;
  columns?: number;
}

export interface ProgressOptions {
  /** Shown before the bar, e.g. 'train'. */
  label: string;
  quiet?: boolean;
  stream?: ProgressStream;
  /** Milliseconds between redraws on a TTY (default 80). */
  interval?: number;
  /** Redraw in place; default: the stream is a TTY and TERM is not 'dumb'. */
  tty?: boolean;
}

/** What the current step reports: extra fields are printed as `key value` pairs. */
export interface ProgressState {
  fraction: number;
  loss?: number;
  /** Short text after the numbers, e.g. `epoch 2/5`. */
  detail?: string;
}

/** `mm:ss`, or `h:mm:ss` past an hour. */
export function formatDuration(seconds: number): string {
  if (!Number.isFinite(seconds) || seconds < 0) return '--:--';
  const s = Math.round(seconds);
  const h = Math.floor(s / 3600);
  const m = Math.floor((s % 3600) / 60);
  const rest = `${String(m).padStart(h > 0 ? 2 : 1, '0')}:${String(s % 60).padStart(2, '0')}`;
  return h > 0 ? `${h}:${rest}` : rest;
}

/** A progress bar; call `update` as often as you like, `note` for a log line, `done` at the end. */
export class ProgressBar {
  readonly #label: string;
  readonly #quiet: boolean;
  readonly #stream: ProgressStream;
  readonly #tty: boolean;
  readonly #interval: number;
  readonly #started = performance.now();
  #lastDraw = -Infinity;
  #lastDecile = 0;
  #state: ProgressState = { fraction: 0 };
  #drawn = false;

  constructor(options: ProgressOptions) {
    this.#label = options.label;
    this.#quiet = options.quiet ?? false;
    this.#stream = options.stream ?? process.stderr;
    this.#tty = options.tty ?? (Boolean(this.#stream.isTTY) && process.env.TERM !== 'dumb');
    this.#interval = options.interval ?? 80;
  }

  /** Records the state and redraws (TTY, throttled) or prints a line at each new 10%. */
  update(state: ProgressState): void {
    this.#state = { ...state, fraction: Math.min(1, Math.max(0, state.fraction)) };
    if (this.#quiet) return;
    if (this.#tty) {
      const now = performance.now();
      if (now - this.#lastDraw < this.#interval && this.#state.fraction < 1) return;
      this.#lastDraw = now;
      this.#draw();
      return;
    }
    const decile = Math.floor(this.#state.fraction * 10 + 1e-9);
    if (decile > this.#lastDecile) {
      this.#lastDecile = decile;
      this.#stream.write(`${this.#text(false)}\n`);
    }
  }

  /** Prints a line above the bar (the bar is redrawn below it on a TTY). */
  note(line: string): void {
    if (this.#quiet) return;
    if (this.#tty && this.#drawn) this.#stream.write('\r\x1b[2K');
    this.#stream.write(`${line}\n`);
    if (this.#tty && this.#drawn) this.#draw();
  }

  /** Clears the bar on a TTY; prints nothing otherwise. */
  done(): void {
    if (this.#quiet || !this.#tty || !this.#drawn) return;
    this.#stream.write('\r\x1b[2K');
    this.#drawn = false;
  }

  /** Seconds since the bar was created. */
  get elapsed(): number {
    return (performance.now() - this.#started) / 1000;
  }

  #draw(): void {
    this.#stream.write(`\r\x1b[2K${this.#text(true)}`);
    this.#drawn = true;
  }

  #text(withBar: boolean): string {
    const { fraction, loss, detail } = this.#state;
    const elapsed = this.elapsed;
    const eta = fraction > 0 ? (elapsed * (1 - fraction)) / fraction : NaN;
    const percent = `${Math.floor(fraction * 100)}%`.padStart(4);
    const parts = [percent, `${formatDuration(elapsed)} eta ${formatDuration(eta)}`];
    if (detail) parts.push(detail);
    if (loss !== undefined) parts.push(`loss ${formatLoss(loss)}`);
    if (withBar) {
      // The bar takes what the line leaves on the terminal, within [10, 40] cells.
      const rest = this.#label.length + parts.join('  ').length + 6;
      const width = Math.max(10, Math.min(40, (this.#stream.columns ?? 80) - 1 - rest));
      const filled = Math.round(fraction * width);
      parts.unshift(`[${'#'.repeat(filled)}${'.'.repeat(width - filled)}]`);
    }
    parts.unshift(this.#label);
    return parts.join('  ');
  }
}

/** A loss with 4 significant digits. */
export function formatLoss(loss: number): string {
  return Number.isFinite(loss) ? loss.toPrecision(4) : String(loss);
}
