/**
 * Yielding to the event loop from long loops on this thread, so signals, messages, progress bars
 * and cancellation get their turn. `setImmediate` where the host has it (Node): two loops that
 * yield with `setTimeout(0)` in turn can keep Node in its timers phase, and a SIGINT then waits
 * until one of them ends (seen: 24 s with two training runs at once). Pages and workers without
 * it use `setTimeout(0)`.
 */
const immediate = (globalThis as { setImmediate?: (callback: () => void) => unknown }).setImmediate;

/** Resolves after the event loop has had a turn (timers, I/O, signals, messages). */
export function yieldToEventLoop(): Promise<void> {
  return new Promise<void>((resolve) => (immediate ? immediate(resolve) : setTimeout(resolve, 0)));
}
