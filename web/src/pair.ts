/** The two networks an analysis connects, with their data; made by training (playground, digits) or from files. */
import type { Arch, DataSet, EpochLog, Model } from 'modeconn';

/** What the path, plane and symmetry panels need. */
export interface Pair {
  /** Where the pair came from, for titles and the report. */
  label: string;
  arch: Arch;
  a: Model;
  b: Model;
  train: DataSet;
  test: DataSet;
  /** '2d' draws decision regions; 'image' (28 × 28 inputs) a gallery of digits. */
  kind: '2d' | 'image' | 'other';
  /** Seed of curve fitting and weight matching. */
  seed: number;
  /** Training logs of A and B (absent for models from files). */
  logs?: { A: EpochLog[]; B: EpochLog[] };
}

/** The kind of view the pair's inputs allow. */
export function inferViewKind(arch: Arch): Pair['kind'] {
  const size = arch.input.reduce((a, b) => a * b, 1);
  if (arch.input.length === 1 && size === 2) return '2d';
  return size === 784 ? 'image' : 'other';
}
