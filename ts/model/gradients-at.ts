/**
 * Gradients at several θ over one batch from a gradient session: its own `gradients` (a pool computes
 * them at once, spread over its workers) or `gradient` on each θ in turn — the same bits either way.
 */
import type { BatchOutcome } from './resident-batches.js';
import type { GradientSession } from './runner.js';
import type { Buf } from '../wasm/kernel.js';

/** grads[k] = ∇(mean loss) at thetas[k] over order[start, start + n), for every k. */
export async function gradientsAt(session: GradientSession, thetas: readonly Buf[], grads: readonly Buf[], start: number, n: number): Promise<BatchOutcome[]> {
  if (session.gradients) return session.gradients(thetas, grads, start, n);
  const out: BatchOutcome[] = [];
  for (let k = 0; k < thetas.length; k++) out.push(await session.gradient(thetas[k], grads[k], start, n));
  return out;
}
