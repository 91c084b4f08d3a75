//! Model plans: a network compiled once (docs/PLAN-FORMAT.md) into ops over activation buffers
//! with offsets into the flat parameter vector θ = [trainable (P) | buffers (B)]. `parse` validates
//! every word; `forward` gathers a batch and runs the forward pass and loss; `backward` writes
//! ∂(mean loss)/∂θ and takes optimiser steps; `hvp` adds Hessian-vector products (R-operator).

mod backward;
mod forward;
mod hvp;
mod parse;

pub(crate) use hvp::Tangent;

use crate::conv::Conv2d;
use crate::optim::{Adam, Sgd};
use crate::pool::Pool2d;

/// The first word of every plan ("MCPL" in little-endian bytes).
pub const MAGIC: u32 = 0x4c50_434d;
/// The plan format version this crate reads.
pub const VERSION: u32 = 1;
/// A field word meaning "absent" (no bias, no gamma, no beta).
pub const NONE: u32 = u32::MAX;
/// Words before the buffer-size table: magic, version, buffers, ops, P, total, classes, output.
const HEADER: usize = 8;

/// Why a plan or a call on it was rejected (mapped to ABI status codes).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum PlanError {
    /// Malformed words: magic, version, unknown opcode, wrong field count, bad buffer id.
    Format,
    /// Sizes that disagree with each other, an offset outside θ, a batch over capacity.
    Shape,
    /// A value out of range: eps, dropout p, a label ≥ classes, an index ≥ the data set.
    Arg,
}

/// Forward-pass modes (PLAN-FORMAT.md, "Modes").
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Mode {
    Eval,
    BatchStats,
    Train,
    BnExact { seen: u64 },
}

/// An optimiser for `Plan::train_step`.
#[derive(Clone, Copy, Debug)]
pub enum Optimizer {
    Sgd(Sgd),
    Adam(Adam),
}

/// Per-sample outputs of a forward pass with loss.
pub struct Outputs<'a> {
    pub losses: &'a mut [f32],
    pub correct: &'a mut [u32],
}

/// What an op computes, with its parameters' offsets into θ.
#[derive(Clone, Debug)]
pub(crate) enum Kind {
    Dense { inp: usize, out: usize, w: usize, b: Option<usize> },
    Conv { g: Conv2d, w: usize, b: Option<usize> },
    Bn { c: usize, s: usize, gamma: Option<usize>, beta: Option<usize>, mean: usize, var: usize, eps: f32, momentum: f32 },
    Relu,
    MaxPool { g: Pool2d },
    AvgPool { g: Pool2d },
    Dropout { p: f32 },
    Add { src2: usize },
}

/// One op with the state its backward needs (BatchNorm statistics, argmax, dropout mask).
#[derive(Clone, Debug)]
pub(crate) struct Op {
    pub kind: Kind,
    pub src: usize,
    pub dst: usize,
    pub relu: bool,
    pub saved_a: Vec<f32>,
    pub saved_b: Vec<f32>,
    pub index: Vec<u32>,
    /// Whether dropout drew a mask in the last forward (else it was the identity).
    pub active: bool,
}

/// A compiled network with activation and gradient buffers for `capacity` samples.
pub struct Plan {
    pub(crate) ops: Vec<Op>,
    pub(crate) sizes: Vec<usize>,
    pub(crate) acts: Vec<Vec<f32>>,
    pub(crate) deltas: Vec<Vec<f32>>,
    pub(crate) delta_set: Vec<bool>,
    /// Scratch for conv im2col/col2im and for accumulating a second gradient contribution.
    pub(crate) scratch: Vec<f32>,
    pub(crate) accum: Vec<f32>,
    pub(crate) labels: Vec<u32>,
    pub(crate) last_mode: Mode,
    /// Tangent buffers of Hessian-vector products, allocated by the first `hvp` call.
    pub(crate) tangent: Option<Box<Tangent>>,
    pub capacity: usize,
    pub param_len: usize,
    pub total_len: usize,
    pub classes: usize,
    pub out_buf: usize,
}

/// Two disjoint mutable windows `[a, a+la)` and `[b, b+lb)` of `v` (callers guarantee no overlap).
pub(crate) fn pair_mut(v: &mut [f32], a: usize, la: usize, b: usize, lb: usize) -> (&mut [f32], &mut [f32]) {
    if a < b {
        let (lo, hi) = v.split_at_mut(b);
        (&mut lo[a..a + la], &mut hi[..lb])
    } else {
        let (lo, hi) = v.split_at_mut(a);
        (&mut hi[..la], &mut lo[b..b + lb])
    }
}
