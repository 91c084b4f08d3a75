// Every fast-check property runs from one fixed seed, so CI and developers see the same cases (a
// property may still pass its own `seed`). FC_SEED=<n> explores other cases on purpose; a
// counterexample found that way becomes a fixed regression case next to its property.
import fc from 'fast-check';

const seed = process.env.FC_SEED === undefined || process.env.FC_SEED === '' ? 20 : Number(process.env.FC_SEED);
if (!Number.isInteger(seed)) throw new Error(`FC_SEED must be an integer, got ${process.env.FC_SEED}`);
fc.configureGlobal({ seed });
