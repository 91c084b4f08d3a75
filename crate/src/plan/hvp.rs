//! Exact Hessian-vector products of the mean loss of a batch, H·v = R{∇θ L} (Pearlmutter 1994),
//! by forward-over-reverse: the forward pass and backward pass as for a gradient, then a tangent
//! forward pass (R{a} of every activation buffer for θ moving along v) and a tangent backward pass
//! (R{δ} of every buffer's gradient and R{∂L/∂θ} = H·v). Modes EVAL and BATCH_STATS only: dropout is
//! off and no running statistic moves, so the loss is a fixed function of θ. ReLU and max pooling
//! are piecewise linear: their masks and argmax are constants of the pass (their second derivative
//! is zero almost everywhere). Entries of v past P (running statistics) are ignored; H·v is 0 there.

use super::{pair_mut, Kind, Mode, Outputs, Plan, PlanError};
use crate::act::relu_backward_inplace;
use crate::conv::{conv2d_backward, conv2d_forward, Conv2d};
use crate::gemm::{gemm, Bias, Gemm};
use crate::norm::BnShape;
use crate::pool::{self, Pool2d};
use crate::{rng, tangent};
use std::mem::take;

/// The tangent buffers of a plan (as large as its activation and gradient buffers).
pub(crate) struct Tangent {
    /// R{a} per activation buffer; buffer 0 (the input) stays zero.
    racts: Vec<Vec<f32>>,
    /// R{δ} per buffer, with the same first-writer rule as the gradient buffers.
    rdeltas: Vec<Vec<f32>>,
    rset: Vec<bool>,
    /// Whether a buffer's tangent can be non-zero (it depends on θ).
    live: Vec<bool>,
    raccum: Vec<f32>,
    tmp: Vec<f32>,
    /// Scratch of the largest conv weight (the second term of R{dW}).
    wtmp: Vec<f32>,
    /// ∂L/∂θ when the caller does not want it.
    grads: Vec<f32>,
    /// Per op: BatchNorm's mean(Rx) and mean(x̂·Rx) of the tangent forward.
    bn: Vec<(Vec<f32>, Vec<f32>)>,
}

impl Tangent {
    fn new(plan: &Plan) -> Tangent {
        let cap = plan.capacity;
        let largest = plan.sizes.iter().map(|&s| s * cap).max().unwrap_or(0);
        let mut wlen = 0;
        let bn = plan
            .ops
            .iter()
            .map(|op| match &op.kind {
                Kind::Bn { c, .. } => (vec![0.0; *c], vec![0.0; *c]),
                Kind::Conv { g, .. } => {
                    wlen = wlen.max(g.c_out * g.c_in * g.kh * g.kw);
                    (Vec::new(), Vec::new())
                }
                _ => (Vec::new(), Vec::new()),
            })
            .collect();
        Tangent {
            racts: plan.sizes.iter().map(|&s| vec![0.0; s * cap]).collect(),
            rdeltas: plan.sizes.iter().map(|&s| vec![0.0; s * cap]).collect(),
            rset: vec![false; plan.sizes.len()],
            live: vec![false; plan.sizes.len()],
            raccum: vec![0.0; largest],
            tmp: vec![0.0; largest],
            wtmp: vec![0.0; wlen],
            grads: vec![0.0; plan.total_len],
            bn,
        }
    }
}

/// v's window `[off, off + len)`, or None for an absent parameter.
fn part(v: &[f32], off: Option<usize>, len: usize) -> Option<&[f32]> {
    off.map(|o| &v[o..o + len])
}

impl Plan {
    /// H·v of the mean loss over the loaded batch of `n` at θ = `params` in `mode` (EVAL or
    /// BATCH_STATS): writes `hv` (θ's length; `[P, total)` = 0) and, when given, the gradient
    /// `grads`; per-sample losses and correctness go to `out`. Returns the mean loss.
    #[allow(clippy::too_many_arguments)]
    pub fn hvp(
        &mut self,
        params: &mut [f32],
        v: &[f32],
        hv: &mut [f32],
        grads: Option<&mut [f32]>,
        n: usize,
        mode: Mode,
        out: Outputs,
    ) -> Result<f32, PlanError> {
        if !matches!(mode, Mode::Eval | Mode::BatchStats) {
            return Err(PlanError::Arg);
        }
        let total = self.total_len;
        if v.len() != total || hv.len() != total || grads.as_ref().map_or(false, |g| g.len() != total) {
            return Err(PlanError::Shape);
        }
        let mut t = match self.tangent.take() {
            Some(t) => t,
            None => Box::new(Tangent::new(self)),
        };
        let result = self.hvp_with(&mut t, params, v, hv, grads, n, mode, out);
        self.tangent = Some(t);
        result
    }

    #[allow(clippy::too_many_arguments)]
    fn hvp_with(
        &mut self,
        t: &mut Tangent,
        params: &mut [f32],
        v: &[f32],
        hv: &mut [f32],
        grads: Option<&mut [f32]>,
        n: usize,
        mode: Mode,
        out: Outputs,
    ) -> Result<f32, PlanError> {
        // Modes EVAL and BATCH_STATS draw nothing: any state will do.
        let mut state = rng::seed(0, 0);
        self.forward(params, n, mode, &mut state)?;
        let loss = self.loss(n, out, true);
        let grads = match grads {
            Some(g) => g,
            None => &mut t.grads[..],
        };
        self.backward(params, grads, n)?;
        self.tangent_forward(t, params, v, n)?;
        let k = self.classes;
        let ob = self.out_buf;
        tangent::softmax_xent_backward(k, &self.acts[ob][..n * k], &t.racts[ob][..n * k], n, &mut t.rdeltas[ob][..n * k]);
        self.tangent_backward(t, params, v, hv, n)?;
        Ok(loss)
    }

    /// R{a} of every buffer for θ moving along v, in op order.
    fn tangent_forward(&mut self, t: &mut Tangent, params: &[f32], v: &[f32], n: usize) -> Result<(), PlanError> {
        t.live.iter_mut().for_each(|l| *l = false);
        for (i, op) in self.ops.iter().enumerate() {
            let (src, dst) = (op.src, op.dst);
            let (in_len, out_len) = (self.sizes[src] * n, self.sizes[dst] * n);
            let live_in = t.live[src] || matches!(op.kind, Kind::Add { src2 } if t.live[src2]);
            let own = match &op.kind {
                Kind::Dense { .. } | Kind::Conv { .. } => true,
                Kind::Bn { gamma, beta, .. } => gamma.is_some() || beta.is_some(),
                _ => false,
            };
            t.live[dst] = live_in || own;
            let mut ry_vec = take(&mut t.racts[dst]);
            let ry = &mut ry_vec[..out_len];
            if !t.live[dst] {
                ry.iter_mut().for_each(|r| *r = 0.0);
                t.racts[dst] = ry_vec;
                continue;
            }
            let x = &self.acts[src][..in_len];
            let rx = &t.racts[src][..in_len];
            match &op.kind {
                Kind::Dense { inp, out: o, w, b } => {
                    let (inp, o) = (*inp, *o);
                    // Ry = x·Vᵀ + Vb + Rx·Wᵀ
                    let g = Gemm { m: n, n: o, k: inp, trans_a: false, trans_b: true, beta: 0.0, relu: false };
                    let bias = match b {
                        Some(b) => Bias::PerCol(&v[*b..*b + o]),
                        None => Bias::None,
                    };
                    gemm(&g, x, &v[*w..*w + o * inp], bias, ry);
                    if t.live[src] {
                        gemm(&Gemm { beta: 1.0, ..g }, rx, &params[*w..*w + o * inp], Bias::None, ry);
                    }
                }
                Kind::Conv { g, w, b } => {
                    let g = Conv2d { n, ..*g };
                    let s = g.sizes().map_err(|_| PlanError::Shape)?;
                    let scratch = &mut self.scratch[..s.scratch_forward];
                    conv2d_forward(&g, &s, x, &v[*w..*w + s.weight], part(v, *b, g.c_out), ry, scratch);
                    if t.live[src] {
                        let tmp = &mut t.tmp[..out_len];
                        conv2d_forward(&g, &s, rx, &params[*w..*w + s.weight], None, tmp, scratch);
                        ry.iter_mut().zip(tmp.iter()).for_each(|(r, &a)| *r += a);
                    }
                }
                Kind::Bn { c, s, gamma, beta, mean, var, eps, .. } => {
                    let (c, sh) = (*c, BnShape { n, c: *c, s: *s });
                    let (g, rg, rb) = (part(params, *gamma, c), part(v, *gamma, c), part(v, *beta, c));
                    if self.last_mode == Mode::Eval {
                        let (rm, rv) = (&params[*mean..*mean + c], &params[*var..*var + c]);
                        tangent::bn_eval_forward(sh, *eps, x, rx, g, rg, rb, rm, rv, ry);
                    } else {
                        let (rmean, rc) = &mut t.bn[i];
                        tangent::bn_batch_forward(sh, x, rx, g, rg, rb, &op.saved_a, &op.saved_b, ry, rmean, rc);
                    }
                }
                Kind::Relu => {
                    ry.copy_from_slice(rx);
                    relu_backward_inplace(ry, &self.acts[dst][..out_len]);
                }
                Kind::MaxPool { g } => {
                    let g = Pool2d { n, ..*g };
                    let s = g.sizes().map_err(|_| PlanError::Shape)?;
                    pool::maxpool2d_gather(&g, &s, rx, &op.index[..out_len], ry).map_err(|_| PlanError::Arg)?;
                }
                Kind::AvgPool { g } => {
                    let g = Pool2d { n, ..*g };
                    let s = g.sizes().map_err(|_| PlanError::Shape)?;
                    pool::avgpool2d_forward(&g, &s, rx, ry);
                }
                // Dropout is the identity outside TRAIN mode.
                Kind::Dropout { .. } => ry.copy_from_slice(rx),
                Kind::Add { src2 } => {
                    let rx2 = &t.racts[*src2][..out_len];
                    ry.iter_mut().zip(rx).zip(rx2).for_each(|((r, &a), &b)| *r = a + b);
                }
            }
            if op.relu {
                relu_backward_inplace(ry, &self.acts[dst][..out_len]);
            }
            t.racts[dst] = ry_vec;
        }
        Ok(())
    }

    /// Adds `delta` into buffer `dst`'s tangent gradient (or copies it there if it is the first).
    fn contribute_tangent(t: &mut Tangent, dst: usize, delta: &[f32]) {
        let target = &mut t.rdeltas[dst][..delta.len()];
        if t.rset[dst] {
            target.iter_mut().zip(delta).for_each(|(r, &d)| *r += d);
        } else {
            target.copy_from_slice(delta);
            t.rset[dst] = true;
        }
    }

    /// R{δ} of every buffer in reverse op order, and H·v = R{∂L/∂θ} into `hv`.
    fn tangent_backward(&mut self, t: &mut Tangent, params: &[f32], v: &[f32], hv: &mut [f32], n: usize) -> Result<(), PlanError> {
        hv.iter_mut().for_each(|h| *h = 0.0);
        t.rset.iter_mut().for_each(|s| *s = false);
        t.rset[self.out_buf] = true;
        let eval = self.last_mode == Mode::Eval;
        for i in (0..self.ops.len()).rev() {
            let (src, dst) = (self.ops[i].src, self.ops[i].dst);
            if !self.delta_set[dst] {
                continue; // as in backward: this op's output does not reach the loss
            }
            let (in_len, out_len) = (self.sizes[src] * n, self.sizes[dst] * n);
            let mut rdy_vec = take(&mut t.rdeltas[dst]);
            let rdy = &mut rdy_vec[..out_len];
            let op = &self.ops[i];
            if op.relu {
                relu_backward_inplace(rdy, &self.acts[dst][..out_len]);
            }
            // The backward pass left the gradient at dst with ReLU's mask applied.
            let dy = &self.deltas[dst][..out_len];
            let need_dx = src != 0;
            let direct = need_dx && !t.rset[src];
            let mut rdx_vec = if direct { take(&mut t.rdeltas[src]) } else { take(&mut t.raccum) };
            let rdx = &mut rdx_vec[..in_len];
            let (x, rx) = (&self.acts[src][..in_len], &t.racts[src][..in_len]);
            let live_in = t.live[src];
            match &op.kind {
                Kind::Dense { inp, out, w, b } => {
                    let (inp, out) = (*inp, *out);
                    // R{dW} = R{dy}ᵀ·x + dyᵀ·Rx ; R{db} = Σ R{dy} ; R{dx} = R{dy}·W + dy·V
                    let gw = Gemm { m: out, n: inp, k: n, trans_a: true, trans_b: false, beta: 0.0, relu: false };
                    gemm(&gw, rdy, x, Bias::None, &mut hv[*w..*w + out * inp]);
                    if live_in {
                        gemm(&Gemm { beta: 1.0, ..gw }, dy, rx, Bias::None, &mut hv[*w..*w + out * inp]);
                    }
                    if let Some(b) = b {
                        let mut sums = vec![0f64; out];
                        for row in rdy.chunks_exact(out) {
                            sums.iter_mut().zip(row).for_each(|(s, &r)| *s += r as f64);
                        }
                        hv[*b..*b + out].iter_mut().zip(&sums).for_each(|(h, &s)| *h = s as f32);
                    }
                    if need_dx {
                        let gx = Gemm { m: n, n: inp, k: out, trans_a: false, trans_b: false, beta: 0.0, relu: false };
                        gemm(&gx, rdy, &params[*w..*w + out * inp], Bias::None, rdx);
                        gemm(&Gemm { beta: 1.0, ..gx }, dy, &v[*w..*w + out * inp], Bias::None, rdx);
                    }
                }
                Kind::Conv { g, w, b } => {
                    let g = Conv2d { n, ..*g };
                    let s = g.sizes().map_err(|_| PlanError::Shape)?;
                    let scratch = &mut self.scratch[..s.scratch_backward];
                    {
                        let (hw, hb) = match b {
                            Some(b) => {
                                let (hw, hb) = pair_mut(hv, *w, s.weight, *b, g.c_out);
                                (hw, Some(hb))
                            }
                            None => (&mut hv[*w..*w + s.weight], None),
                        };
                        // R{dx} ← dx of R{dy} through W; R{dW} ← dW of (x, R{dy}); R{db} = Σ R{dy}.
                        let first_dx = if need_dx { Some(&mut rdx[..]) } else { None };
                        conv2d_backward(&g, &s, x, &params[*w..*w + s.weight], rdy, first_dx, hw, hb, scratch);
                    }
                    if need_dx || live_in {
                        // + dx of dy through V, + dW of (Rx, dy).
                        let tmp = &mut t.tmp[..in_len];
                        let wtmp = &mut t.wtmp[..s.weight];
                        let second_dx = if need_dx { Some(&mut tmp[..]) } else { None };
                        conv2d_backward(&g, &s, rx, &v[*w..*w + s.weight], dy, second_dx, wtmp, None, scratch);
                        if need_dx {
                            rdx.iter_mut().zip(tmp.iter()).for_each(|(r, &a)| *r += a);
                        }
                        if live_in {
                            hv[*w..*w + s.weight].iter_mut().zip(wtmp.iter()).for_each(|(h, &a)| *h += a);
                        }
                    }
                }
                Kind::Bn { c, s, gamma, beta, mean, var, eps, .. } => {
                    let (c, sh) = (*c, BnShape { n, c: *c, s: *s });
                    let (g, rg) = (part(params, *gamma, c), part(v, *gamma, c));
                    let (hg, hb) = match (gamma, beta) {
                        (Some(gm), Some(bt)) => {
                            let (a, b) = pair_mut(hv, *gm, c, *bt, c);
                            (Some(a), Some(b))
                        }
                        (Some(gm), None) => (Some(&mut hv[*gm..*gm + c]), None),
                        (None, Some(bt)) => (None, Some(&mut hv[*bt..*bt + c])),
                        (None, None) => (None, None),
                    };
                    if eval {
                        let (rm, rv) = (&params[*mean..*mean + c], &params[*var..*var + c]);
                        tangent::bn_eval_backward(sh, *eps, x, rx, dy, rdy, g, rg, rm, rv, rdx, hg, hb);
                    } else {
                        let (rmean, rc) = &t.bn[i];
                        tangent::bn_batch_backward(sh, x, rx, dy, rdy, g, rg, &op.saved_a, &op.saved_b, rmean, rc, rdx, hg, hb);
                    }
                }
                Kind::Relu => {
                    rdx.copy_from_slice(rdy);
                    relu_backward_inplace(rdx, &self.acts[dst][..out_len]);
                }
                Kind::MaxPool { g } => {
                    let g = Pool2d { n, ..*g };
                    let s = g.sizes().map_err(|_| PlanError::Shape)?;
                    pool::maxpool2d_backward(&g, &s, rdy, &op.index[..out_len], rdx).map_err(|_| PlanError::Arg)?;
                }
                Kind::AvgPool { g } => {
                    let g = Pool2d { n, ..*g };
                    let s = g.sizes().map_err(|_| PlanError::Shape)?;
                    pool::avgpool2d_backward(&g, &s, rdy, rdx);
                }
                Kind::Dropout { .. } | Kind::Add { .. } => rdx.copy_from_slice(rdy),
            }
            let src2 = match op.kind {
                Kind::Add { src2 } if src2 != 0 => Some(src2),
                _ => None,
            };
            if direct {
                t.rdeltas[src] = rdx_vec;
                t.rset[src] = true;
            } else {
                if need_dx {
                    Self::contribute_tangent(t, src, &rdx_vec[..in_len]);
                }
                t.raccum = rdx_vec;
            }
            if let Some(s2) = src2 {
                Self::contribute_tangent(t, s2, &rdy_vec[..out_len]);
            }
            t.rdeltas[dst] = rdy_vec;
        }
        Ok(())
    }
}
