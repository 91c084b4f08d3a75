// The lab's URL state: defaults per source, a round trip through the query string for random
// states (fast-check, fixed seed), bad values ignored, dependent controls reset.
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { SPECS, defaultsFor, readState, updateState, writeState, type Key, type LabState } from '../../web/src/state.js';

/** A random valid value for each control. */
const arbitraryState: fc.Arbitrary<LabState> = fc.record(Object.fromEntries((Object.keys(SPECS) as Key[]).map((key) => {
  const spec = SPECS[key];
  if (spec.kind === 'enum') return [key, fc.constantFrom(...spec.options)];
  if (spec.kind === 'int') return [key, fc.integer({ min: spec.min, max: spec.max })];
  return [key, fc.double({ min: spec.min, max: spec.max, noNaN: true })];
})) as Record<Key, fc.Arbitrary<unknown>>) as unknown as fc.Arbitrary<LabState>;

describe('lab state', () => {
  it('an empty query is the playground with its defaults, and writes back as an empty query', () => {
    const state = readState('');
    expect(state).toEqual(defaultsFor('play'));
    expect(state).toMatchObject({ src: 'play', data: 'spirals', width: 64, depth: 2, opt: 'adam', lr: 0.01, t: 0.5 });
    expect(writeState(state)).toBe('');
  });

  it('round-trips every valid state through the URL', () => {
    fc.assert(fc.property(arbitraryState, (state) => {
      expect(readState(writeState(state))).toEqual(state);
    }), { seed: 16, numRuns: 300 });
  });

  it('writes only what differs from the defaults of the source, data and optimiser', () => {
    const digits = updateState(readState(''), 'src', 'digits');
    expect(writeState(digits)).toBe('src=digits');
    expect(writeState({ ...digits, epochs: 9 })).toBe('src=digits&epochs=9');
    // Moons have their own noise default; choosing them resets noise to it.
    const moons = updateState(readState('noise=0.3'), 'data', 'moons');
    expect(moons.noise).toBe(0.1);
    expect(writeState(moons)).toBe('data=moons');
    const sgd = updateState(readState(''), 'opt', 'sgd');
    expect(sgd.lr).toBe(0.05);
  });

  it('ignores bad values and unknown keys; clamps numbers into range', () => {
    const state = readState('width=abc&depth=2.5&epochs=-3&t=7&opt=rmsprop&nothing=1&seed=');
    expect(state.width).toBe(64);
    expect(state.depth).toBe(2);
    expect(state.epochs).toBe(1);
    expect(state.t).toBe(1);
    expect(state.opt).toBe('adam');
    expect(state.seed).toBe(1);
  });
});
