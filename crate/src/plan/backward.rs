//! Backward through a plan and the optimiser step. Gradients of θ are written (not accumulated) at
//! θ's offsets; `[P, total)` stays zero. An activation's gradient is written by its first
//! contributor in reverse order and accumulated by later ones (residual fan-out).

use super::{pair_mut, Kind, Mode, Optimizer, Outputs, Plan, PlanError};
use crate::act::{relu_backward, relu_backward_inplace};
use crate::conv::{conv2d_backward, Conv2d};
use crate::dropout;
use crate::gemm::{gemm, Bias, Gemm};
use crate::norm::{self, BnShape};
use crate::optim::{adam_step, sgd_step};
use crate::pool::{self, Pool2d};
use crate::rng;
use std::mem::take;

impl Plan {
    /// Adds `delta[..len]` into buffer `dst`'s gradient (or copies it there if it is the first).
    fn contribute(&mut self, dst: usize, delta: &[f32]) {
        let target = &mut self.deltas[dst][..delta.len()];
        if self.delta_set[dst] {
            target.iter_mut().zip(delta).for_each(|(t, &d)| *t += d);
        } else {
            target.copy_from_slice(delta);
            self.delta_set[dst] = true;
        }
    }

    /// Backward pass of the last forward (loss gradient already in the logits' delta).
    pub fn backward(&mut self, params: &[f32], grads: &mut [f32], n: usize) -> Result<(), PlanError> {
        if params.len() != self.total_len || grads.len() != self.total_len || n == 0 || n > self.capacity {
            return Err(PlanError::Shape);
        }
        grads.iter_mut().for_each(|g| *g = 0.0);
        self.delta_set.iter_mut().for_each(|s| *s = false);
        self.delta_set[self.out_buf] = true;
        let eval = self.last_mode == Mode::Eval;
        for i in (0..self.ops.len()).rev() {
            let (src, dst) = (self.ops[i].src, self.ops[i].dst);
            if !self.delta_set[dst] {
                continue; // this op's output does not reach the loss
            }
            let (in_len, out_len) = (self.sizes[src] * n, self.sizes[dst] * n);
            let mut dy_vec = take(&mut self.deltas[dst]);
            let dy = &mut dy_vec[..out_len];
            let op = &mut self.ops[i];
            if op.relu {
                relu_backward_inplace(dy, &self.acts[dst][..out_len]);
            }
            let need_dx = src != 0;
            // The first contribution lands in place; later ones (and unneeded ones) go to `accum`.
            let direct = need_dx && !self.delta_set[src];
            let mut dx_vec = if direct { take(&mut self.deltas[src]) } else { take(&mut self.accum) };
            let dx = &mut dx_vec[..in_len];
            let x = &self.acts[src][..in_len];
            let mut wrote_dx = true;
            match &op.kind {
                Kind::Dense { inp, out, w, b } => {
                    let (inp, out) = (*inp, *out);
                    // dW(out, in) = dYᵀ·X ; db = Σ_rows dY ; dX(n, in) = dY·W
                    let gw = Gemm { m: out, n: inp, k: n, trans_a: true, trans_b: false, beta: 0.0, relu: false };
                    gemm(&gw, dy, x, Bias::None, &mut grads[*w..*w + out * inp]);
                    if let Some(b) = b {
                        let mut sums = vec![0f64; out];
                        for row in dy.chunks_exact(out) {
                            sums.iter_mut().zip(row).for_each(|(s, &v)| *s += v as f64);
                        }
                        grads[*b..*b + out].iter_mut().zip(&sums).for_each(|(g, &s)| *g = s as f32);
                    }
                    if need_dx {
                        let gx = Gemm { m: n, n: inp, k: out, trans_a: false, trans_b: false, beta: 0.0, relu: false };
                        gemm(&gx, dy, &params[*w..*w + out * inp], Bias::None, dx);
                    } else {
                        wrote_dx = false;
                    }
                }
                Kind::Conv { g, w, b } => {
                    let g = Conv2d { n, ..*g };
                    let s = g.sizes().map_err(|_| PlanError::Shape)?;
                    let (gw, gb) = match b {
                        Some(b) => {
                            let (gw, gb) = pair_mut(grads, *w, s.weight, *b, g.c_out);
                            (gw, Some(gb))
                        }
                        None => (&mut grads[*w..*w + s.weight], None),
                    };
                    let dx_opt = if need_dx { Some(&mut dx[..]) } else { None };
                    wrote_dx = need_dx;
                    let scratch = &mut self.scratch[..s.scratch_backward];
                    conv2d_backward(&g, &s, x, &params[*w..*w + s.weight], dy, dx_opt, gw, gb, scratch);
                }
                Kind::Bn { c, s, gamma, beta, mean, var, eps, .. } => {
                    let (c, sh) = (*c, BnShape { n, c: *c, s: *s });
                    let gamma_v = gamma.map(|g| &params[g..g + c]);
                    let (dgamma, dbeta) = match (gamma, beta) {
                        (Some(g), Some(b)) => {
                            let (dg, db) = pair_mut(grads, *g, c, *b, c);
                            (Some(dg), Some(db))
                        }
                        (Some(g), None) => (Some(&mut grads[*g..*g + c]), None),
                        (None, Some(b)) => (None, Some(&mut grads[*b..*b + c])),
                        (None, None) => (None, None),
                    };
                    if eval {
                        let (rm, rv) = (&params[*mean..*mean + c], &params[*var..*var + c]);
                        norm::batchnorm_backward_eval(sh, *eps, x, dy, gamma_v, rm, rv, dx, dgamma, dbeta);
                    } else {
                        norm::batchnorm_backward(sh, x, dy, gamma_v, &op.saved_a, &op.saved_b, dx, dgamma, dbeta);
                    }
                }
                Kind::Relu => relu_backward(dy, &self.acts[dst][..out_len], dx),
                Kind::MaxPool { g } => {
                    let g = Pool2d { n, ..*g };
                    let s = g.sizes().map_err(|_| PlanError::Shape)?;
                    pool::maxpool2d_backward(&g, &s, dy, &op.index[..out_len], dx).map_err(|_| PlanError::Arg)?;
                }
                Kind::AvgPool { g } => {
                    let g = Pool2d { n, ..*g };
                    let s = g.sizes().map_err(|_| PlanError::Shape)?;
                    pool::avgpool2d_backward(&g, &s, dy, dx);
                }
                Kind::Dropout { .. } => {
                    if op.active {
                        dropout::backward(dy, &op.saved_a[..out_len], dx);
                    } else {
                        dx.copy_from_slice(dy);
                    }
                }
                Kind::Add { .. } => dx.copy_from_slice(dy),
            }
            let src2 = match op.kind {
                Kind::Add { src2 } if src2 != 0 => Some(src2),
                _ => None,
            };
            if direct {
                self.deltas[src] = dx_vec;
                self.delta_set[src] = true;
            } else {
                if need_dx && wrote_dx {
                    self.contribute(src, &dx_vec[..in_len]);
                }
                self.accum = dx_vec;
            }
            if let Some(s2) = src2 {
                self.contribute(s2, &dy_vec[..out_len]);
            }
            self.deltas[dst] = dy_vec;
        }
        Ok(())
    }

    /// Forward in `mode`, loss, backward: `grads` receives ∂(mean loss)/∂θ. Returns the mean loss.
    pub fn gradient(
        &mut self,
        params: &mut [f32],
        grads: &mut [f32],
        n: usize,
        mode: Mode,
        state: &mut rng::State,
        out: Outputs,
    ) -> Result<f32, PlanError> {
        self.forward(params, n, mode, state)?;
        let loss = self.loss(n, out, true);
        self.backward(params, grads, n)?;
        Ok(loss)
    }

    /// One training step on the loaded batch: TRAIN-mode forward (batch statistics, momentum update
    /// of running statistics, dropout), loss, backward, and the optimiser on θ[0, P).
    /// `step` counts from 1; `state_a`/`state_b` are the optimiser's buffers (length P, or empty
    /// for SGD without momentum / unused by SGD).
    #[allow(clippy::too_many_arguments)]
    pub fn train_step(
        &mut self,
        params: &mut [f32],
        grads: &mut [f32],
        opt: &Optimizer,
        state_a: &mut [f32],
        state_b: &mut [f32],
        step: u32,
        n: usize,
        rng_state: &mut rng::State,
        out: Outputs,
    ) -> Result<f32, PlanError> {
        let p = self.param_len;
        let ok = step >= 1
            && match opt {
                Optimizer::Sgd(h) => h.is_valid() && (state_a.len() == p || (h.momentum == 0.0 && state_a.is_empty())),
                Optimizer::Adam(h) => h.is_valid() && state_a.len() == p && state_b.len() == p,
            };
        if !ok {
            return Err(PlanError::Arg);
        }
        let loss = self.gradient(params, grads, n, Mode::Train, rng_state, out)?;
        match opt {
            Optimizer::Sgd(h) => sgd_step(h, &mut params[..p], &grads[..p], state_a, step == 1),
            Optimizer::Adam(h) => adam_step(h, step, &mut params[..p], &grads[..p], state_a, state_b),
        }
        Ok(loss)
    }
}
