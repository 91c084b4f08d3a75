//! BatchNorm entries over x `[n, c, s]` (s = h·w, or 1 after a dense layer). In every entry, null
//! `gamma`/`beta` mean gamma 1, beta 0 (`affine=False`) and null `dgamma`/`dbeta` skip those outputs.

use super::{run, view, view_opt, ERR_ARG, ERR_SHAPE};
use crate::norm::{BnShape, RunningUpdate};

/// `n·c·s` with every factor ≥ 1, or `ERR_SHAPE`.
fn bn_shape(n: u32, c: u32, s: u32) -> Result<BnShape, i32> {
    if n == 0 || c == 0 || s == 0 {
        return Err(ERR_SHAPE);
    }
    let sh = BnShape { n: n as usize, c: c as usize, s: s as usize };
    (sh.n).checked_mul(sh.c).and_then(|v| v.checked_mul(sh.s)).filter(|&v| v <= u32::MAX as usize / 4).map(|_| sh).ok_or(ERR_SHAPE)
}

/// `eps` must be finite and ≥ 0.
fn bn_eps(eps: f32) -> Result<(), i32> {
    if eps.is_finite() && eps >= 0.0 {
        Ok(())
    } else {
        Err(ERR_ARG)
    }
}

/// BatchNorm train forward over `x[n, c, s]`. `mode`: 0 momentum
/// (`running = (1 − momentum)·running + momentum·batch`), 1 exact average over `seen` samples
/// already folded in, 2 running statistics untouched (their pointers may then be null). Writes `y`,
/// `save_mean`, `save_invstd`.
///
/// # Safety
/// The entry contract (abi module doc); no written range overlaps another range of the call.
#[no_mangle]
pub unsafe extern "C" fn batchnorm_forward_train(
    x: *const f32,
    gamma: *const f32,
    beta: *const f32,
    y: *mut f32,
    save_mean: *mut f32,
    save_invstd: *mut f32,
    running_mean: *mut f32,
    running_var: *mut f32,
    n: u32,
    c: u32,
    s: u32,
    eps: f32,
    mode: u32,
    momentum: f32,
    seen: u32,
) -> i32 {
    run(|| {
        let sh = bn_shape(n, c, s)?;
        bn_eps(eps)?;
        let update = match mode {
            0 if (0.0..=1.0).contains(&momentum) => RunningUpdate::Momentum(momentum),
            1 => RunningUpdate::ExactAverage { seen: seen as u64 },
            2 => RunningUpdate::Frozen,
            _ => return Err(ERR_ARG),
        };
        let (len, cc) = (sh.len(), sh.c);
        let (rm, rv): (&mut [f32], &mut [f32]) = if mode == 2 {
            (&mut [], &mut [])
        } else {
            // SAFETY: `view` checks each range; the caller keeps the written ranges apart.
            unsafe { (view(running_mean, cc)?, view(running_var, cc)?) }
        };
        // SAFETY: as above.
        let (x, gamma, beta) = unsafe { (view(x, len)?, view_opt(gamma, cc)?, view_opt(beta, cc)?) };
        // SAFETY: as above.
        let (y, save_mean, save_invstd) = unsafe { (view(y, len)?, view(save_mean, cc)?, view(save_invstd, cc)?) };
        crate::norm::batchnorm_forward_train(sh, eps, update, x, gamma, beta, y, save_mean, save_invstd, rm, rv);
        Ok(())
    })
}

/// BatchNorm eval forward over `x[n, c, s]` with the running statistics.
///
/// # Safety
/// The entry contract (abi module doc); `y` overlaps no input.
#[no_mangle]
pub unsafe extern "C" fn batchnorm_forward_eval(
    x: *const f32,
    gamma: *const f32,
    beta: *const f32,
    running_mean: *const f32,
    running_var: *const f32,
    y: *mut f32,
    n: u32,
    c: u32,
    s: u32,
    eps: f32,
) -> i32 {
    run(|| {
        let sh = bn_shape(n, c, s)?;
        bn_eps(eps)?;
        let (len, cc) = (sh.len(), sh.c);
        // SAFETY: `view` checks each range; the caller keeps `y` apart from the inputs.
        let (x, gamma, beta) = unsafe { (view(x, len)?, view_opt(gamma, cc)?, view_opt(beta, cc)?) };
        // SAFETY: as above.
        let (rm, rv, y) = unsafe { (view(running_mean, cc)?, view(running_var, cc)?, view(y, len)?) };
        crate::norm::batchnorm_forward_eval(sh, eps, x, gamma, beta, rm, rv, y);
        Ok(())
    })
}

/// BatchNorm train backward through the batch statistics; overwrites `dx`, `dgamma`, `dbeta`.
///
/// # Safety
/// The entry contract (abi module doc); no written range overlaps another range of the call.
#[no_mangle]
pub unsafe extern "C" fn batchnorm_backward(
    x: *const f32,
    dy: *const f32,
    gamma: *const f32,
    save_mean: *const f32,
    save_invstd: *const f32,
    dx: *mut f32,
    dgamma: *mut f32,
    dbeta: *mut f32,
    n: u32,
    c: u32,
    s: u32,
) -> i32 {
    run(|| {
        let sh = bn_shape(n, c, s)?;
        let (len, cc) = (sh.len(), sh.c);
        // SAFETY: `view` checks each range; the caller keeps the written ranges apart.
        let (x, dy, gamma) = unsafe { (view(x, len)?, view(dy, len)?, view_opt(gamma, cc)?) };
        // SAFETY: as above.
        let (save_mean, save_invstd) = unsafe { (view(save_mean, cc)?, view(save_invstd, cc)?) };
        // SAFETY: as above.
        let (dx, dgamma, dbeta) = unsafe { (view(dx, len)?, view_opt(dgamma, cc)?, view_opt(dbeta, cc)?) };
        crate::norm::batchnorm_backward(sh, x, dy, gamma, save_mean, save_invstd, dx, dgamma, dbeta);
        Ok(())
    })
}

/// BatchNorm eval backward (running statistics constant); overwrites `dx`, `dgamma`, `dbeta`.
///
/// # Safety
/// The entry contract (abi module doc); no written range overlaps another range of the call.
#[no_mangle]
pub unsafe extern "C" fn batchnorm_backward_eval(
    x: *const f32,
    dy: *const f32,
    gamma: *const f32,
    running_mean: *const f32,
    running_var: *const f32,
    dx: *mut f32,
    dgamma: *mut f32,
    dbeta: *mut f32,
    n: u32,
    c: u32,
    s: u32,
    eps: f32,
) -> i32 {
    run(|| {
        let sh = bn_shape(n, c, s)?;
        bn_eps(eps)?;
        let (len, cc) = (sh.len(), sh.c);
        // SAFETY: `view` checks each range; the caller keeps the written ranges apart.
        let (x, dy, gamma) = unsafe { (view(x, len)?, view(dy, len)?, view_opt(gamma, cc)?) };
        // SAFETY: as above.
        let (rm, rv) = unsafe { (view(running_mean, cc)?, view(running_var, cc)?) };
        // SAFETY: as above.
        let (dx, dgamma, dbeta) = unsafe { (view(dx, len)?, view_opt(dgamma, cc)?, view_opt(dbeta, cc)?) };
        crate::norm::batchnorm_backward_eval(sh, eps, x, dy, gamma, rm, rv, dx, dgamma, dbeta);
        Ok(())
    })
}
