/** The rng, dropout, optim and blend kernels on the WASM core, gathered for the kernel index. */
import type { BlendKernels } from '../../kernels/blend.js';
import type { DropoutKernels } from '../../kernels/dropout.js';
import type { OptimKernels } from '../../kernels/optim.js';
import type { RngKernels } from '../../kernels/rng.js';
import type { Core } from '../kernel.js';
import { blendKernels } from './blend.js';
import { dropoutKernels } from './dropout.js';
import { optimKernels } from './optim.js';
import { rngKernels } from './rng.js';

/** All four groups backed by `core`. */
export function vecKernels(core: Core): RngKernels & DropoutKernels & OptimKernels & BlendKernels {
  return { ...rngKernels(core), ...dropoutKernels(core), ...optimKernels(core), ...blendKernels(core) };
}
