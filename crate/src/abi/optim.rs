//! Optimiser entries: one torch.optim.SGD or Adam/AdamW step on a flat parameter vector.

use super::{flag, run, view, ERR_ARG};
use crate::optim;

/// One torch.optim.SGD step on `params[len]`; `buf[len]` is used only when momentum ≠ 0 (it may
/// be null otherwise).
///
/// # Safety
/// The entry contract (abi module doc); no written range overlaps another range of the call.
#[no_mangle]
#[allow(clippy::too_many_arguments)]
pub unsafe extern "C" fn sgd_step(
    params: *mut f32,
    grads: *const f32,
    buf: *mut f32,
    len: u32,
    lr: f32,
    momentum: f32,
    dampening: f32,
    weight_decay: f32,
    nesterov: u32,
    first: u32,
) -> i32 {
    run(|| {
        let n = len as usize;
        let h = optim::Sgd { lr, momentum, dampening, weight_decay, nesterov: flag(nesterov)? };
        let first = flag(first)?;
        if !h.is_valid() {
            return Err(ERR_ARG);
        }
        let buf_len = if momentum != 0.0 { n } else { 0 };
        // SAFETY: `view` checks each range; the caller keeps the written ranges apart.
        let (buf, params, grads) = unsafe { (view(buf, buf_len)?, view(params, n)?, view(grads, n)?) };
        optim::sgd_step(&h, params, grads, buf, first);
        Ok(())
    })
}

/// One torch.optim.Adam (decoupled = 0) or AdamW (decoupled = 1) step at 1-based `step`.
///
/// # Safety
/// The entry contract (abi module doc); no written range overlaps another range of the call.
#[no_mangle]
#[allow(clippy::too_many_arguments)]
pub unsafe extern "C" fn adam_step(
    params: *mut f32,
    grads: *const f32,
    m: *mut f32,
    v: *mut f32,
    len: u32,
    step: u32,
    lr: f32,
    beta1: f32,
    beta2: f32,
    eps: f32,
    weight_decay: f32,
    decoupled: u32,
) -> i32 {
    run(|| {
        let n = len as usize;
        let h = optim::Adam { lr, beta1, beta2, eps, weight_decay, decoupled: flag(decoupled)? };
        if step == 0 || !h.is_valid() {
            return Err(ERR_ARG);
        }
        // SAFETY: `view` checks each range; the caller keeps the written ranges apart.
        let (p, g, m, v) = unsafe { (view(params, n)?, view(grads, n)?, view(m, n)?, view(v, n)?) };
        optim::adam_step(&h, step, p, g, m, v);
        Ok(())
    })
}
