/**
 * Samples that flip along a path: right at both ends (t = 0 and t = 1) and wrong at θ(t), from
 * per-sample correctness; with the class θ(t) predicts for each (arg-max of its logits).
 */

/** A flipped sample: its index in the test set, its label and what θ(t) reads. */
export interface Flip {
  index: number;
  label: number;
  predicted: number;
}

/** Indices i with atA[i] and atB[i] right and atT[i] wrong, in test-set order. */
export function findFlips(atA: Uint8Array, atB: Uint8Array, atT: Uint8Array, labels: Uint32Array, logits: Float32Array, classes: number): Flip[] {
  const flips: Flip[] = [];
  for (let i = 0; i < atT.length; i++) {
    if (!atA[i] || !atB[i] || atT[i]) continue;
    let best = 0;
    for (let c = 1; c < classes; c++) if (logits[i * classes + c] > logits[i * classes + best]) best = c;
    flips.push({ index: i, label: labels[i], predicted: best });
  }
  return flips;
}

/** How many samples are right at both ends. */
export function countRightAtBothEnds(atA: Uint8Array, atB: Uint8Array): number {
  let count = 0;
  for (let i = 0; i < atA.length; i++) count += atA[i] & atB[i];
  return count;
}
