/**
 * The width conditions of Nguyen et al. 2021 for an MLP trained on N samples: their condition (i)
 * asks the last two hidden layers for order √N neurons under generic assumptions on the features
 * (earlier connectivity results needed one layer of order N); condition (ii), linearly separable
 * subsets of features at every layer, asks for almost no over-parameterisation. This reports each
 * hidden width against √N and N, and the kept counts ⌊f·h⌋ the probes and the path use.
 */
import { ModeconnError } from '../errors.js';
import type { Arch } from '../model/arch.js';
import { hiddenLayers, keptCount } from './units.js';

/** Where a width stands: below √N, from √N up to N, or at least N. */
export type WidthRegime = 'below √N' | '√N..N' | '≥ N';

export interface WidthConditions {
  /** Training samples. */
  n: number;
  sqrtN: number;
  /** Every hidden layer: width, kept count, width/√N, width/N and regime. */
  layers: Array<{ layer: number; units: number; kept: number; overSqrtN: number; overN: number; regime: WidthRegime }>;
  /** The last two hidden layers (one when the net has one): the widths condition (i) is about. */
  lastTwo: number[];
  /** min of the last two widths over √N (condition (i) wants this of order 1 or more). */
  lastTwoOverSqrtN: number;
  /** Some hidden layer has ≥ N units (the older, order-N condition). */
  someLayerAtLeastN: boolean;
}

/** The regime of a width for N samples. */
export function widthRegime(units: number, n: number): WidthRegime {
  return units >= n ? '≥ N' : units >= Math.sqrt(n) ? '√N..N' : 'below √N';
}

/** Width conditions of `arch` for `n` training samples and kept fraction f (default 1/2). */
export function widthConditions(arch: Arch, n: number, fraction = 0.5): WidthConditions {
  if (!Number.isInteger(n) || n < 1) throw new ModeconnError('EMPTY_DATA', `the number of training samples must be a positive integer, got ${n}`);
  const hidden = hiddenLayers(arch);
  const sqrtN = Math.sqrt(n);
  const layers = hidden.map((h) => ({
    layer: h.layer, units: h.units, kept: keptCount(h.units, fraction, h.layer),
    overSqrtN: h.units / sqrtN, overN: h.units / n, regime: widthRegime(h.units, n),
  }));
  const lastTwo = hidden.slice(-2).map((h) => h.units);
  return { n, sqrtN, layers, lastTwo, lastTwoOverSqrtN: Math.min(...lastTwo) / sqrtN, someLayerAtLeastN: hidden.some((h) => h.units >= n) };
}
