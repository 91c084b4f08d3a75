// jax-js (@jax-js/jax, Wasm backend) on the training benchmark's job: an MLP (ReLU) trained for one
// epoch with SGD + momentum (PyTorch's rule: v = μv + g, θ -= lr·v) on mean softmax cross-entropy,
// the whole step (forward, grad, update) one jitted function, run to completion before the next batch
// is built; then per-sample loss and correctness of
// the test set in batches. Runs in Node and in a browser page (same module); `jax` is the imported
// package. Weights come in PyTorch's layout ([out, in]) and are transposed to [in, out] once.

/** Seconds of the epoch and of the evaluation, the test accuracy, and jax-js's view of the host. */
export async function jaxMlpRun(jax, job) {
  const { numpy: np, nn, grad, jit, tree } = jax;
  const { sizes, init, train, test, batch, evalBatch, lr, momentum } = job;
  await jax.init('wasm');
  jax.defaultDevice('wasm');
  const now = () => performance.now() / 1000;
  // θ in PyTorch order: w1 [h1, in], b1, w2, b2, w3, b3.
  const params = {};
  let offset = 0;
  for (let l = 0; l + 1 < sizes.length; l++) {
    const [inp, out] = [sizes[l], sizes[l + 1]];
    const w = init.subarray(offset, offset + inp * out);
    offset += inp * out;
    const wt = new Float32Array(inp * out);
    for (let o = 0; o < out; o++) for (let i = 0; i < inp; i++) wt[i * out + o] = w[o * inp + i];
    params[`w${l}`] = np.array(wt).reshape([inp, out]);
    params[`b${l}`] = np.array(init.slice(offset, offset + out));
    offset += out;
  }
  const layers = sizes.length - 1;
  const logitsOf = (p, x) => {
    let h = x;
    for (let l = 0; l < layers; l++) {
      h = np.matmul(h, p[`w${l}`]).add(p[`b${l}`]);
      if (l + 1 < layers) h = nn.relu(h);
    }
    return h;
  };
  const loss = (p, x, y) => {
    const n = x.shape[0];
    return nn.logSoftmax(logitsOf(p, x), -1).mul(y).sum().mul(-1 / n);
  };
  const step = jit((p, v, x, y) => {
    const g = grad(loss)(tree.ref(p), x, y);
    const v2 = tree.map((vi, gi) => vi.mul(momentum).add(gi), v, g);
    const p2 = tree.map((pi, vi) => pi.sub(vi.mul(lr)), p, tree.ref(v2));
    return [p2, v2];
  });
  const evaluate = jit((p, x, y) => {
    const logits = logitsOf(p, x);
    const losses = nn.logSoftmax(logits.ref, -1).mul(y.ref).sum(-1).mul(-1);
    const correct = np.equal(np.argmax(logits, -1), np.argmax(y, -1));
    return [losses, correct];
  });
  const inSize = sizes[0];
  const classes = sizes[sizes.length - 1];
  const oneHot = (labels) => nn.oneHot(np.array(Int32Array.from(labels), { dtype: np.int32 }), classes).astype(np.float32);
  let p = params;
  let v = tree.map((a) => np.zerosLike(a.ref), params);

  const t0 = now();
  for (let start = 0; start < train.n; start += batch) {
    const n = Math.min(batch, train.n - start);
    const order = train.order;
    const xb = new Float32Array(n * inSize);
    const yb = new Uint32Array(n);
    for (let i = 0; i < n; i++) {
      const ix = order[start + i];
      xb.set(train.x.subarray(ix * inSize, (ix + 1) * inSize), i * inSize);
      yb[i] = train.y[ix];
    }
    [p, v] = step(p, v, np.array(xb).reshape([n, inSize]), oneHot(yb));
    // jax-js is lazy: without this the whole epoch's graph is built first, with every step's buffers
    // held until the end (over 4 GiB of Wasm memory at 469 steps). A real loop reads its loss each step.
    await jax.blockUntilReady([p, v]);
  }
  await tree.ref(p).w0.data();
  const trainS = now() - t0;

  const evalOnce = async () => {
    let right = 0;
    for (let start = 0; start < test.n; start += evalBatch) {
      const n = Math.min(evalBatch, test.n - start);
      const [losses, correct] = evaluate(tree.ref(p), np.array(test.x.subarray(start * inSize, (start + n) * inSize)).reshape([n, inSize]), oneHot(test.y.subarray(start, start + n)));
      await losses.data();
      for (const c of await correct.data()) right += c ? 1 : 0;
    }
    return right / test.n;
  };
  const accuracy = await evalOnce();
  const evalS = [];
  for (let r = 0; r < job.evalReps; r++) {
    const t1 = now();
    await evalOnce();
    evalS.push(now() - t1);
  }
  tree.dispose(p);
  tree.dispose(v);
  step.dispose?.();
  evaluate.dispose?.();
  return { trainS, evalS, accuracy };
}
