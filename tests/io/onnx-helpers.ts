/** Shared by the ONNX tests: logits of a model on given inputs (modeconn's engine and onnxruntime-web's wasm backend). */
import * as ort from 'onnxruntime-web';
import { createDataSet } from '../../ts/data/dataset.js';
import type { Model } from '../../ts/model/model.js';
import { evaluateModel } from '../../ts/model/train.js';

/** Eval-mode logits [n, classes] of `model` on `inputs` (n samples of arch.input), from the WASM engine. */
export async function modelLogits(model: Model, inputs: Float32Array): Promise<Float32Array> {
  const size = model.arch.input.reduce((a, b) => a * b, 1);
  const n = inputs.length / size;
  const data = createDataSet({ name: 'inputs', x: inputs, y: new Uint32Array(n), shape: model.arch.input, classes: model.arch.classes });
  return (await evaluateModel(model, data, { logits: true })).logits!;
}

/** onnxruntime's output "logits" for input "input" [n, ...sample] (one thread: no worker spawned). */
export async function runtimeLogits(bytes: Uint8Array, inputs: Float32Array, sample: number[]): Promise<Float32Array> {
  ort.env.wasm.numThreads = 1;
  const session = await ort.InferenceSession.create(bytes);
  try {
    const n = inputs.length / sample.reduce((a, b) => a * b, 1);
    const out = await session.run({ input: new ort.Tensor('float32', inputs, [n, ...sample]) });
    return Float32Array.from(out.logits.data as Float32Array);
  } finally {
    await session.release();
  }
}
