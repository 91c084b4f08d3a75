// Train an MLP with BatchNorm on the bundled MNIST digits, evaluate it, recompute its BatchNorm
// statistics over the training set, and show the per-sample results the library returns.
// Run from the repository: npm run build:js && node examples/01-train-mnist.mjs
import { evaluateModel, loadMnist, mlp, recomputeBatchNorm, trainModel } from 'modeconn';

const train = await loadMnist({ split: 'train' });
const test = await loadMnist({ split: 'test' });
const arch = mlp({ input: [1, 28, 28], hidden: [256], classes: 10, batchNorm: true });

const model = await trainModel(arch, train, {
  seed: 1,
  epochs: 3,
  batchSize: 64,
  optimizer: { type: 'sgd', lr: 0.05, momentum: 0.9 },
  schedule: { type: 'cosine' },
  evalData: test,
  onEpoch: (e) => console.log(`epoch ${e.epoch}: train loss ${e.trainLoss.toFixed(4)}, test accuracy ${(100 * e.testAccuracy).toFixed(2)}% (${e.seconds.toFixed(1)} s)`),
});

const result = await evaluateModel(model, test);
const worst = [...result.losses.keys()].sort((a, b) => result.losses[b] - result.losses[a]).slice(0, 5);
console.log(`test loss ${result.loss.toFixed(4)}, accuracy ${(100 * result.accuracy).toFixed(2)}%`);
console.log(`hardest test samples: ${worst.map((i) => `#${i} (label ${test.y[i]}, loss ${result.losses[i].toFixed(2)})`).join(', ')}`);

const recomputed = await evaluateModel(await recomputeBatchNorm(model, train), test);
console.log(`with BatchNorm statistics recomputed over the training set: accuracy ${(100 * recomputed.accuracy).toFixed(2)}%`);
