//! Running a plan forward: gather a batch of samples into the input buffer, run the ops in one of
//! four modes (PLAN-FORMAT.md, "Modes"), then softmax cross-entropy against the gathered labels.

use super::{pair_mut, Kind, Mode, Outputs, Plan, PlanError};
use crate::act::{relu_forward, relu_forward_inplace};
use crate::conv::{conv2d_forward, Conv2d};
use crate::gemm::{gemm, Bias, Gemm};
use crate::loss::softmax_xent;
use crate::norm::{self, BnShape, RunningUpdate};
use crate::pool::{self, Pool2d};
use crate::{dropout, rng};
use std::mem::take;

impl Plan {
    /// Copies the samples `indices` of a data set (`x`: rows of the input size, `y`: labels) into
    /// the input buffer. Returns the batch size.
    pub fn load_batch(&mut self, x: &[f32], y: &[u32], indices: &[u32]) -> Result<usize, PlanError> {
        let n = indices.len();
        let row = self.sizes[0];
        if n == 0 || n > self.capacity {
            return Err(PlanError::Shape);
        }
        let count = y.len();
        if x.len() != count.checked_mul(row).ok_or(PlanError::Shape)? {
            return Err(PlanError::Shape);
        }
        let input = &mut self.acts[0];
        for (i, &ix) in indices.iter().enumerate() {
            let ix = ix as usize;
            if ix >= count || y[ix] as usize >= self.classes {
                return Err(PlanError::Arg);
            }
            input[i * row..(i + 1) * row].copy_from_slice(&x[ix * row..(ix + 1) * row]);
            self.labels[i] = y[ix];
        }
        Ok(n)
    }

    /// Floats per input sample.
    pub fn input_size(&self) -> usize {
        self.sizes[0]
    }

    /// The logits of the last forward pass, `[n, classes]`.
    pub fn logits(&self, n: usize) -> &[f32] {
        &self.acts[self.out_buf][..n * self.classes]
    }

    fn check_params(&self, params: usize) -> Result<(), PlanError> {
        if params == self.total_len {
            Ok(())
        } else {
            Err(PlanError::Shape)
        }
    }

    /// Forward pass over the loaded batch of `n`; returns the logits `[n, classes]`.
    /// Running statistics in `params[P..]` change in modes TRAIN and BN_EXACT.
    pub fn forward(&mut self, params: &mut [f32], n: usize, mode: Mode, state: &mut rng::State) -> Result<&[f32], PlanError> {
        self.check_params(params.len())?;
        if n == 0 || n > self.capacity {
            return Err(PlanError::Shape);
        }
        self.last_mode = mode;
        let p_len = self.param_len;
        for i in 0..self.ops.len() {
            let op = &mut self.ops[i];
            let (src, dst) = (op.src, op.dst);
            let (in_len, out_len) = (self.sizes[src] * n, self.sizes[dst] * n);
            let mut y = take(&mut self.acts[dst]);
            let x = &self.acts[src][..in_len];
            let out = &mut y[..out_len];
            match &op.kind {
                Kind::Dense { inp, out: o, w, b } => {
                    let g = Gemm { m: n, n: *o, k: *inp, trans_a: false, trans_b: true, beta: 0.0, relu: op.relu };
                    let bias = match b {
                        Some(b) => Bias::PerCol(&params[*b..*b + *o]),
                        None => Bias::None,
                    };
                    gemm(&g, x, &params[*w..*w + o * inp], bias, out);
                }
                Kind::Conv { g, w, b } => {
                    let g = Conv2d { n, ..*g };
                    let s = g.sizes().map_err(|_| PlanError::Shape)?;
                    let bias = b.map(|b| &params[b..b + g.c_out]);
                    conv2d_forward(&g, &s, x, &params[*w..*w + s.weight], bias, out, &mut self.scratch[..s.scratch_forward]);
                    if op.relu {
                        relu_forward_inplace(out);
                    }
                }
                Kind::Bn { c, s, gamma, beta, mean, var, eps, momentum } => {
                    let sh = BnShape { n, c: *c, s: *s };
                    let (trainable, buffers) = params.split_at_mut(p_len);
                    let gamma = gamma.map(|g| &trainable[g..g + c]);
                    let beta = beta.map(|b| &trainable[b..b + c]);
                    let (rm, rv) = pair_mut(buffers, mean - p_len, *c, var - p_len, *c);
                    let update = match mode {
                        Mode::Eval => None,
                        Mode::BatchStats => Some(RunningUpdate::Frozen),
                        Mode::Train => Some(RunningUpdate::Momentum(*momentum)),
                        Mode::BnExact { seen } => Some(RunningUpdate::ExactAverage { seen }),
                    };
                    match update {
                        None => norm::batchnorm_forward_eval(sh, *eps, x, gamma, beta, rm, rv, out),
                        Some(u) => {
                            norm::batchnorm_forward_train(sh, *eps, u, x, gamma, beta, out, &mut op.saved_a, &mut op.saved_b, rm, rv)
                        }
                    }
                    if op.relu {
                        relu_forward_inplace(out);
                    }
                }
                Kind::Relu => relu_forward(x, out),
                Kind::MaxPool { g } => {
                    let g = Pool2d { n, ..*g };
                    let s = g.sizes().map_err(|_| PlanError::Shape)?;
                    pool::maxpool2d_forward(&g, &s, x, out, &mut op.index[..out_len]);
                }
                Kind::AvgPool { g } => {
                    let g = Pool2d { n, ..*g };
                    let s = g.sizes().map_err(|_| PlanError::Shape)?;
                    pool::avgpool2d_forward(&g, &s, x, out);
                }
                Kind::Dropout { p } => {
                    op.active = mode == Mode::Train && *p > 0.0;
                    if op.active {
                        dropout::forward(*p, state, x, out, &mut op.saved_a[..out_len]);
                    } else {
                        out.copy_from_slice(x);
                    }
                }
                Kind::Add { src2 } => {
                    let x2 = &self.acts[*src2][..out_len];
                    for ((o, &a), &b) in out.iter_mut().zip(x).zip(x2) {
                        *o = a + b;
                    }
                    if op.relu {
                        relu_forward_inplace(out);
                    }
                }
            }
            self.acts[dst] = y;
        }
        Ok(&self.acts[self.out_buf][..n * self.classes])
    }

    /// Softmax cross-entropy of the last forward against the loaded labels; writes per-sample
    /// losses and correctness and, with `with_grad`, the gradient of the mean into the logits'
    /// gradient buffer. Returns the mean loss.
    pub fn loss(&mut self, n: usize, out: Outputs, with_grad: bool) -> f32 {
        let k = self.classes;
        let logits = &self.acts[self.out_buf][..n * k];
        let grad = if with_grad { Some(&mut self.deltas[self.out_buf][..n * k]) } else { None };
        softmax_xent(k, logits, &self.labels[..n], &mut out.losses[..n], &mut out.correct[..n], grad)
    }
}
