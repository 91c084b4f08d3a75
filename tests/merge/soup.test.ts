/**
 * Model soups: fine-tuned variants of one pre-trained MLP (different seeds and learning rates); the
 * greedy soup is never worse on the held-out set than its best ingredient (checked by evaluating
 * independently), its ingredients average to its θ, and the uniform soup is the f64 mean.
 */
import { describe, expect, it } from 'vitest';
import { gaussianBlobs } from '../../ts/data/synthetic.js';
import { mlp } from '../../ts/model/builders.js';
import { evaluateMany, trainModel } from '../../ts/model/train.js';
import { greedySoup, uniformSoup } from '../../ts/merge/soup.js';

describe('model soups', () => {
  it('greedy soup ≥ best ingredient on held-out data; uniform soup is the mean', async () => {
    const arch = mlp({ input: 6, hidden: [16], classes: 4 });
    const centers = [[2, 0, 1, 0, -1, 0], [0, 2, 0, -1, 0, 1], [-2, 0, 0, 1, 1, 0], [0, -2, -1, 0, 0, -1]];
    const train = gaussianBlobs({ n: 240, centers, std: 2.5, seed: 1 });
    const heldOut = gaussianBlobs({ n: 160, centers, std: 2.5, seed: 2 });
    const pre = await trainModel(arch, train, { seed: 1, epochs: 2, batchSize: 32 });
    const variants: Float32Array[] = [];
    for (const [seed, lr] of [[2, 0.05], [3, 0.1], [4, 0.02], [5, 0.3]] as const) {
      variants.push((await trainModel(arch, train, { seed, epochs: 2, batchSize: 32, init: pre.params, optimizer: { type: 'sgd', lr, momentum: 0.9 } })).params);
    }
    const soup = await greedySoup(arch, variants, heldOut);
    const alone = await evaluateMany(arch, variants, heldOut);
    const best = Math.max(...alone.map((r) => r.accuracy));
    expect(soup.heldOut).toEqual(alone.map((r) => r.accuracy));
    const [check] = await evaluateMany(arch, [soup.params], heldOut);
    expect(check.accuracy).toBe(soup.accuracy);
    expect(soup.accuracy).toBeGreaterThanOrEqual(best);
    expect(soup.ingredients[0]).toBe(alone.findIndex((r) => r.accuracy === best));
    const again = uniformSoup(soup.ingredients.map((i) => variants[i]));
    expect(again).toEqual(soup.params);
    const u = uniformSoup(variants);
    for (const k of [0, 7, u.length - 1]) expect(u[k]).toBe(Math.fround(variants.reduce((s, v) => s + v[k], 0) / variants.length));
  });
});
