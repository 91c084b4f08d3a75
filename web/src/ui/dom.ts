/** Small DOM helpers of the lab: element lookup, downloads, status line and the error panel. */

/** The element with id `id` (throws when the page lacks it: a bug, not a user error). */
export function $<T extends HTMLElement = HTMLElement>(id: string): T {
  const el = document.getElementById(id);
  if (!el) throw new Error(`the page has no #${id}`);
  return el as T;
}

/** An element with text and attributes. */
export function el<K extends keyof HTMLElementTagNameMap>(tag: K, attrs: Record<string, string> = {}, text?: string): HTMLElementTagNameMap[K] {
  const node = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs)) node.setAttribute(k, v);
  if (text !== undefined) node.textContent = text;
  return node;
}

/** Saves `data` (a Blob, or a data URL) as `name` through a temporary link. */
export function download(name: string, data: Blob | string): void {
  const url = typeof data === 'string' ? data : URL.createObjectURL(data);
  const a = el('a', { href: url, download: name });
  document.body.append(a);
  a.click();
  a.remove();
  if (typeof data !== 'string') setTimeout(() => URL.revokeObjectURL(url), 10_000);
}

let shown = 0;
let queued: { text: string; fraction?: number } | null = null;

function writeStatus(text: string, fraction?: number): void {
  shown = performance.now();
  $('status').textContent = text;
  const bar = $<HTMLProgressElement>('progress');
  if (fraction === undefined) bar.removeAttribute('value');
  else bar.value = Math.max(0, Math.min(1, fraction));
}

/**
 * The status line (a polite live region) and the progress bar. Progress arrives up to 40 times a
 * second while the workers compute; the page shows it at most 4 times a second (`urgent` at once).
 */
export function setStatus(text: string, fraction?: number, urgent = false): void {
  const wait = 250 - (performance.now() - shown);
  if (urgent || wait <= 0) {
    queued = null;
    writeStatus(text, fraction);
    return;
  }
  if (!queued) {
    setTimeout(() => {
      if (queued) writeStatus(queued.text, queued.fraction);
      queued = null;
    }, wait);
  }
  queued = { text, fraction };
}

/** What the error panel shows: a typed error's message, code and advice. */
export interface ShownError {
  message: string;
  code: string;
  advice?: string;
}

/** The error as the panel shows it: ModeconnErrors keep their code; anything else is UNEXPECTED. */
export function describeError(error: unknown): ShownError {
  const e = error as { code?: unknown; message?: unknown; advice?: unknown };
  const code = typeof e?.code === 'string' ? e.code : 'UNEXPECTED';
  let message = typeof e?.message === 'string' ? e.message : String(error);
  const advice = typeof e?.advice === 'string' ? e.advice : undefined;
  // ModeconnError appends its advice to the message; the panel shows it on its own line.
  if (advice && message.endsWith(` (${advice})`)) message = message.slice(0, -advice.length - 3);
  return { message, code, ...(advice ? { advice } : {}) };
}

/** Shows the error panel (a role=alert region) and moves focus to it. */
export function showError(shown: ShownError): void {
  $('error-message').textContent = shown.message;
  $('error-code').textContent = shown.code;
  $('error-advice').textContent = shown.advice ? `What to do: ${shown.advice}` : '';
  const panel = $('error');
  panel.hidden = false;
  $('error-close').focus();
}

export function hideError(): void {
  $('error').hidden = true;
}
