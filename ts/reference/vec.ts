/** The rng, dropout, optim and blend twins, gathered for the reference index. */
export { blendReference } from './blend.js';
export { dropoutReference } from './dropout.js';
export { optimReference } from './optim.js';
export { rngReference } from './rng.js';
