//! The rng/dropout/optim/blend ABI entries: argument checks return status codes, valid calls
//! match the safe kernels.

use modeconn_core::abi::*;
use modeconn_core::{blend, rng};

#[test]
fn rng_entries_match_the_kernels_and_check_arguments() {
    let mut state = [0u32; 4];
    // SAFETY (all calls): pointers come from live local arrays of the stated lengths.
    unsafe {
        assert_eq!(rng_seed(state.as_mut_ptr(), 42, 7), OK);
        assert_eq!(state, rng::seed(42, 7));
        let mut out = [0u32; 5];
        assert_eq!(rng_below(state.as_mut_ptr(), 0, out.as_mut_ptr(), 5), ERR_ARG);
        assert_eq!(rng_u32(std::ptr::null_mut(), out.as_mut_ptr(), 5), ERR_BOUNDS);
        let mut s = rng::seed(42, 7);
        assert_eq!(rng_u32(state.as_mut_ptr(), out.as_mut_ptr(), 5), OK);
        for v in out {
            assert_eq!(v, rng::next_u32(&mut s));
        }
        assert_eq!(state, s, "the advanced state is written back");
        assert_eq!(rng_permutation(state.as_mut_ptr(), out.as_mut_ptr(), 5), OK);
    }
}

#[test]
fn dropout_and_optim_entries_reject_bad_scalars_and_flags() {
    let mut state = rng::seed(1, 1);
    let x = [1.0f32; 3];
    let (mut y, mut mask, mut buf) = ([0f32; 3], [0f32; 3], [0f32; 3]);
    let mut w = [1.0f32; 3];
    let g = [0.5f32; 3];
    let (mut m, mut v) = ([0f32; 3], [0f32; 3]);
    unsafe {
        let fwd = |st: &mut [u32; 4], y: &mut [f32; 3], mask: &mut [f32; 3], p: f32| {
            dropout_forward(st.as_mut_ptr(), x.as_ptr(), y.as_mut_ptr(), mask.as_mut_ptr(), 3, p)
        };
        assert_eq!(fwd(&mut state, &mut y, &mut mask, 1.0), ERR_ARG);
        assert_eq!(fwd(&mut state, &mut y, &mut mask, f32::NAN), ERR_ARG);
        assert_eq!(fwd(&mut state, &mut y, &mut mask, 0.5), OK);
        let sgd = |w: &mut [f32; 3], buf: &mut [f32; 3], mom: f32, nesterov: u32, first: u32| {
            sgd_step(w.as_mut_ptr(), g.as_ptr(), buf.as_mut_ptr(), 3, 0.1, mom, 0.0, 0.0, nesterov, first)
        };
        assert_eq!(sgd(&mut w, &mut buf, 0.9, 2, 1), ERR_ARG);
        assert_eq!(sgd(&mut w, &mut buf, 0.0, 1, 1), ERR_ARG);
        assert_eq!(sgd(&mut w, &mut buf, 0.9, 1, 1), OK);
        // Momentum 0 never touches the buffer, so a null buffer is fine.
        assert_eq!(sgd_step(w.as_mut_ptr(), g.as_ptr(), std::ptr::null_mut(), 3, 0.1, 0.0, 0.0, 0.0, 0, 0), OK);
        let adam = |w: &mut [f32; 3], m: &mut [f32; 3], v: &mut [f32; 3], step: u32, beta1: f32| {
            adam_step(w.as_mut_ptr(), g.as_ptr(), m.as_mut_ptr(), v.as_mut_ptr(), 3, step, 1e-3, beta1, 0.999, 1e-8, 0.0, 0)
        };
        assert_eq!(adam(&mut w, &mut m, &mut v, 0, 0.9), ERR_ARG);
        assert_eq!(adam(&mut w, &mut m, &mut v, 1, 1.0), ERR_ARG);
        assert_eq!(adam(&mut w, &mut m, &mut v, 1, 0.9), OK);
    }
}

#[test]
fn reductions_write_through_the_out_pointer() {
    let x = [1.0f32, -2.0, 3.0, -4.0, 5.0];
    let y = [0.5f32; 5];
    let mut out = 0f64;
    unsafe {
        assert_eq!(vec_dot(x.as_ptr(), y.as_ptr(), 5, &mut out), OK);
        assert_eq!(out, blend::dot(&x, &y));
        assert_eq!(vec_norm2(x.as_ptr(), 5, &mut out), OK);
        assert_eq!(out, 55f64.sqrt());
        assert_eq!(vec_maxabs(x.as_ptr(), 5, &mut out), OK);
        assert_eq!(out, 5.0);
        assert_eq!(vec_dist2(x.as_ptr(), y.as_ptr(), 5, &mut out), OK);
        assert_eq!(out, blend::dist2(&x, &y));
        assert_eq!(vec_dot(x.as_ptr(), y.as_ptr(), 5, std::ptr::null_mut()), ERR_BOUNDS);
    }
}
