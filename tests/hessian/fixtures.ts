/** The tiny networks of tests/fixtures/torch/make-hessian-fixtures.py: arch, θ, batch and PyTorch's dense Hessians. */
import { fileURLToPath } from 'node:url';
import { createDataSet, type DataSet } from '../../ts/data/dataset.js';
import { loadSafetensors } from '../../ts/io/safetensors-files.js';
import { tensorToFloat32 } from '../../ts/io/safetensors.js';
import type { Arch } from '../../ts/model/arch.js';
import { compileArch, type CompiledArch } from '../../ts/model/compile.js';

const dir = fileURLToPath(new URL('../fixtures/torch/', import.meta.url));

/** The same networks as nn.Sequential builds them in the script (Sequential indices match). */
export const HESSIAN_NETS: Record<string, Arch> = {
  mlp: {
    input: [5], classes: 3,
    layers: [
      { type: 'dense', out: 6 }, { type: 'batchnorm' }, { type: 'relu' }, { type: 'dropout', p: 0.5 },
      { type: 'dense', out: 4, bias: false }, { type: 'batchnorm', affine: false }, { type: 'relu' }, { type: 'dense', out: 3 },
    ],
  },
  conv: {
    input: [2, 6, 6], classes: 3,
    layers: [
      { type: 'conv2d', out: 3, kernel: 3, padding: 1 }, { type: 'batchnorm' }, { type: 'relu' }, { type: 'maxpool', kernel: 2 },
      { type: 'conv2d', out: 4, kernel: [2, 3], stride: [1, 2], padding: [0, 1] }, { type: 'relu' }, { type: 'avgpool', kernel: 2, stride: 1 },
      { type: 'flatten' }, { type: 'dense', out: 3 },
    ],
  },
  res: {
    input: [1, 4, 4], classes: 3,
    layers: [
      { type: 'conv2d', out: 2, kernel: 3, padding: 1, bias: false }, { type: 'batchnorm' }, { type: 'relu' },
      {
        type: 'residual',
        body: [
          { type: 'conv2d', out: 3, kernel: 3, stride: 2, padding: 1, bias: false }, { type: 'batchnorm' }, { type: 'relu' },
          { type: 'conv2d', out: 3, kernel: 3, padding: 1, bias: false }, { type: 'batchnorm' },
        ],
        shortcut: [{ type: 'conv2d', out: 3, kernel: 1, stride: 2, bias: false }, { type: 'batchnorm' }],
      },
      { type: 'relu' }, { type: 'avgpool', kernel: 2 }, { type: 'flatten' }, { type: 'dense', out: 3 },
    ],
  },
};

export interface HessianFixture {
  arch: Arch;
  compiled: CompiledArch;
  params: Float32Array;
  data: DataSet;
  /** PyTorch's Hessian per mode, laid out over θ's trainable offsets: [P, P] row-major. */
  hessian: Record<'eval' | 'batch-stats', Float64Array>;
  /** Its eigenvalues, ascending. */
  eigen: Record<'eval' | 'batch-stats', Float64Array>;
}

/** Loads fixture `name`, mapping PyTorch's parameter order onto θ's layout by tensor name. */
export async function hessianFixture(name: string): Promise<HessianFixture> {
  const arch = HESSIAN_NETS[name];
  const compiled = compileArch(arch);
  const file = await loadSafetensors(`${dir}hessian-${name}.safetensors`);
  const params = new Float32Array(compiled.totalLength);
  for (const e of compiled.layout) {
    const t = file.tensors.get(`params.${e.name}`);
    if (e.kind !== 'counter' && t) params.set(tensorToFloat32(t), e.offset);
  }
  const inputs = file.tensors.get('inputs')!;
  const labels = file.tensors.get('labels')!.data as BigInt64Array;
  const data = createDataSet({ name, x: tensorToFloat32(inputs), y: Uint32Array.from(labels, Number), shape: inputs.shape.slice(1), classes: 3 });
  // Torch's flat index k → θ offset.
  const names = JSON.parse(file.metadata.names) as string[];
  const sizes = JSON.parse(file.metadata.sizes) as number[];
  const offsets: number[] = [];
  names.forEach((n, j) => {
    const e = compiled.layout.find((l) => l.name === n);
    if (!e || e.length !== sizes[j]) throw new Error(`fixture tensor ${n} has no match in the arch`);
    for (let i = 0; i < sizes[j]; i++) offsets.push(e.offset + i);
  });
  const P = compiled.paramCount;
  if (offsets.length !== P) throw new Error(`fixture has ${offsets.length} parameters, the arch ${P}`);
  const place = (key: string) => {
    const h = tensorToFloat32(file.tensors.get(key)!);
    const out = new Float64Array(P * P);
    for (let r = 0; r < P; r++) for (let c = 0; c < P; c++) out[offsets[r] * P + offsets[c]] = h[r * P + c];
    return out;
  };
  return {
    arch, compiled, params, data,
    hessian: { eval: place('hessian.eval'), 'batch-stats': place('hessian.batch') },
    eigen: { eval: Float64Array.from(tensorToFloat32(file.tensors.get('eigen.eval')!)), 'batch-stats': Float64Array.from(tensorToFloat32(file.tensors.get('eigen.batch')!)) },
  };
}
