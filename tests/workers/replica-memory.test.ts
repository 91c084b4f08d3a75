// How a replica group divides its work (ts/workers/replica-memory.ts): θ's slices cover it once,
// aligned; every (θ, shard) unit goes to exactly one worker; train mode keeps a shard's units on one
// worker (its dropout stream runs through the θ's in order), other modes spread the θ's of a
// one-shard session over the workers (AutoNEB's pivots).
import { describe, expect, it } from 'vitest';
import { sliceOf, unitsOf } from '../../ts/workers/replica-memory.js';

describe('replica work division', () => {
  it('slices: contiguous, covering, starting on multiples of 16', () => {
    for (const [total, workers] of [[174, 2], [174, 3], [670_000, 2], [5, 4]]) {
      const slices = Array.from({ length: workers }, (_, w) => sliceOf(total, workers, w));
      expect(slices[0].start).toBe(0);
      expect(slices[workers - 1].end).toBe(total);
      slices.forEach((s, w) => {
        if (w > 0) expect(s.start).toBe(slices[w - 1].end);
        expect(s.start % 16 === 0 || s.start === total).toBe(true);
      });
    }
  });

  it('units: each (θ, shard) on one worker; by shard in train mode, spread otherwise', () => {
    for (const [thetas, shards, workers] of [[3, 2, 2], [4, 1, 2], [2, 3, 3], [1, 4, 3]]) {
      for (const byShard of [true, false]) {
        const W = byShard ? Math.min(workers, shards) : Math.min(workers, thetas * shards);
        const all = Array.from({ length: W }, (_, w) => unitsOf(thetas, shards, W, w, byShard));
        const seen = all.flat().map((u) => `${u.point}/${u.shard}`).sort();
        expect(seen).toEqual(Array.from({ length: thetas * shards }, (_, u) => `${Math.floor(u / shards)}/${u % shards}`).sort());
        all.forEach((units, w) => {
          // One thread's order: θ by θ, shard by shard.
          expect(units).toEqual([...units].sort((x, y) => x.point - y.point || x.shard - y.shard));
          if (byShard) units.forEach((u) => expect(u.shard % W).toBe(w));
        });
        // No worker idles while another holds two more units than it.
        const counts = all.map((u) => u.length);
        expect(Math.max(...counts) - Math.min(...counts)).toBeLessThanOrEqual(byShard ? thetas : 1);
      }
    }
    // AutoNEB's default: one shard, the pivots round robin.
    expect(unitsOf(4, 1, 2, 1, false)).toEqual([{ point: 1, shard: 0 }, { point: 3, shard: 0 }]);
  });
});
