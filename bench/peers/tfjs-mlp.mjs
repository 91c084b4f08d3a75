// tfjs (tfjs-layers on whatever backend `tf` has, wasm here) on the training benchmark's job: a
// `tf.sequential` of dense layers (ReLU), `model.fit` for one epoch (batch, shuffle,
// `tf.train.momentum`, mean softmax cross-entropy on the logits), then per-sample loss and argmax of
// the test set in batches. Runs in Node and in a browser page (same module); `tf` and `tfl` are
// tfjs-core and tfjs-layers. Weights come in PyTorch's layout ([out, in]) and are transposed once.

/**
 * Builds and trains the model: seconds of the epoch (extrapolated from `job.steps` steps when fewer
 * than an epoch's), and `evalOnce()` → { loss, accuracy } over the test set, `dispose()`.
 */
export async function tfjsMlpRun(tf, tfl, job) {
  const { sizes, init, train, test, batch, evalBatch, lr, momentum } = job;
  const now = () => performance.now() / 1000;
  const inSize = sizes[0];
  const classes = sizes[sizes.length - 1];
  const model = tfl.sequential();
  sizes.slice(1).forEach((units, i) => {
    model.add(tfl.layers.dense({ units, activation: i + 2 < sizes.length ? 'relu' : 'linear', ...(i === 0 ? { inputShape: [inSize] } : {}) }));
  });
  const weights = tf.tidy(() => {
    const out = [];
    let offset = 0;
    for (let l = 0; l + 1 < sizes.length; l++) {
      const [inp, units] = [sizes[l], sizes[l + 1]];
      out.push(tf.transpose(tf.tensor2d(init.subarray(offset, offset + inp * units), [units, inp])));
      offset += inp * units;
      out.push(tf.tensor1d(init.subarray(offset, offset + units)));
      offset += units;
    }
    return out;
  });
  model.setWeights(weights);
  weights.forEach((w) => w.dispose());
  const loss = (yTrue, logits) => tf.losses.softmaxCrossEntropy(yTrue, logits);
  model.compile({ optimizer: tf.train.momentum(lr, momentum), loss });

  const stepsPerEpoch = Math.ceil(train.n / batch);
  const steps = Math.min(job.steps || stepsPerEpoch, stepsPerEpoch);
  const nTrain = Math.min(train.n, steps * batch);
  const xs = tf.tensor2d(train.x.subarray(0, nTrain * inSize), [nTrain, inSize]);
  const ys = tf.tidy(() => tf.oneHot(tf.tensor1d(Int32Array.from(train.y.subarray(0, nTrain)), 'int32'), classes));
  const t0 = now();
  await model.fit(xs, ys, { batchSize: batch, epochs: 1, shuffle: true, verbose: 0 });
  model.getWeights()[0].dataSync(); // wait for the last update
  const trainS = ((now() - t0) * stepsPerEpoch) / steps;
  xs.dispose();
  ys.dispose();

  const testX = tf.tensor2d(test.x.subarray(0, test.n * inSize), [test.n, inSize]);
  const testY = tf.tensor1d(Int32Array.from(test.y.subarray(0, test.n)), 'int32');
  const evalOnce = () => {
    let right = 0;
    let lossSum = 0;
    for (let start = 0; start < test.n; start += evalBatch) {
      const n = Math.min(evalBatch, test.n - start);
      const [losses, correct] = tf.tidy(() => {
        const logits = model.predict(tf.slice(testX, [start, 0], [n, inSize]), { batchSize: n });
        const labels = tf.slice(testY, [start], [n]);
        const perSample = tf.losses.softmaxCrossEntropy(tf.oneHot(labels, classes), logits, undefined, undefined, tf.Reduction.NONE);
        return [perSample, tf.equal(tf.argMax(logits, 1), labels)];
      });
      const l = losses.dataSync();
      const c = correct.dataSync();
      for (let i = 0; i < n; i++) {
        lossSum += l[i];
        right += c[i];
      }
      losses.dispose();
      correct.dispose();
    }
    return { loss: lossSum / test.n, accuracy: right / test.n };
  };
  const dispose = () => {
    model.dispose();
    testX.dispose();
    testY.dispose();
  };
  return { trainS, partial: steps < stepsPerEpoch ? steps : 0, evalOnce, dispose };
}
