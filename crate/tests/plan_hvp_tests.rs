//! Hessian-vector products of plans (R-operator): H·v against central differences of the gradient
//! along v, for dense/BatchNorm (batch statistics and running statistics), conv with both poolings,
//! residual and dropout plans; the symmetry uᵀHv = vᵀHu; TRAIN mode is refused.

mod common {
    pub mod plans;
}

use common::plans::*;
use modeconn_core::plan::{Mode, Outputs, Plan, PlanError};
use modeconn_core::rng;

fn with_dropout() -> (Vec<u32>, usize, usize) {
    let mut b = Builder::new(5);
    let h = b.dense(0, 5, 7, true);
    let d = b.buf(7);
    b.op(7, &[h, d, 0.5f32.to_bits()]);
    let o = b.dense(d, 7, 3, false);
    b.finish(o, 3)
}

struct Case {
    plan: Plan,
    theta: Vec<f32>,
    p: usize,
    n: usize,
}

fn case((words, p, total): (Vec<u32>, usize, usize), classes: u32) -> Case {
    let n = 5;
    let mut plan = Plan::parse(&words, 8).unwrap();
    let row = plan.input_size();
    let (x, y) = data(n, row, classes, 3);
    let idx: Vec<u32> = (0..n as u32).collect();
    plan.load_batch(&x, &y, &idx).unwrap();
    let mut theta = init_params(total, p, 11);
    // Running variances away from 1 and means away from 0, so that EVAL mode exercises them.
    for (k, v) in theta[p..].iter_mut().enumerate() {
        *v = if k % 2 == 0 { 0.1 * (k as f32 % 3.0) } else { 0.7 + 0.1 * (k as f32 % 4.0) };
    }
    Case { plan, theta, p, n }
}

fn hvp(c: &mut Case, v: &[f32], mode: Mode) -> Vec<f32> {
    let total = c.theta.len();
    let (mut hv, mut l, mut k) = (vec![0.0; total], vec![0.0; c.n], vec![0u32; c.n]);
    c.plan.hvp(&mut c.theta, v, &mut hv, None, c.n, mode, Outputs { losses: &mut l, correct: &mut k }).unwrap();
    hv
}

fn gradient(c: &mut Case, theta: &mut [f32], mode: Mode) -> Vec<f64> {
    let (mut g, mut l, mut k) = (vec![0.0; theta.len()], vec![0.0; c.n], vec![0u32; c.n]);
    let mut st = rng::seed(1, 1);
    c.plan.gradient(theta, &mut g, c.n, mode, &mut st, Outputs { losses: &mut l, correct: &mut k }).unwrap();
    g.iter().map(|&x| x as f64).collect()
}

/// H·v against (∇L(θ + h·v) − ∇L(θ − h·v)) / 2h at the f32 step actually taken, in f64.
fn check_hvp(shape: (Vec<u32>, usize, usize), classes: u32, mode: Mode) {
    let mut c = case(shape, classes);
    let total = c.theta.len();
    let mut v = rand_vec(total, 29, 1.0);
    v[c.p..].iter_mut().for_each(|x| *x = 0.0);
    let hv = hvp(&mut c, &v, mode);
    assert!(hv[c.p..].iter().all(|&h| h == 0.0), "H·v is zero on running statistics");
    let scale = hv.iter().fold(0f64, |m, &x| m.max((x as f64).abs()));
    assert!(scale > 1e-3, "H·v is not trivially zero");
    // Central differences carry O(h²) truncation and O(ε/h) rounding; a ReLU or max-pooling kink
    // inside the step spoils one step size, so the best of four must match (a wrong H·v misses all).
    let mut worst = f64::INFINITY;
    for h in [1e-2f32, 3e-3, 1e-3, 3e-4] {
        let (mut up, mut down) = (c.theta.clone(), c.theta.clone());
        for i in 0..c.p {
            up[i] = c.theta[i] + h * v[i];
            down[i] = c.theta[i] - h * v[i];
        }
        let gu = gradient(&mut c, &mut up, mode);
        let gd = gradient(&mut c, &mut down, mode);
        let mut err = 0f64;
        for i in 0..c.p {
            let fd = (gu[i] - gd[i]) / (2.0 * h as f64);
            err = err.max((fd - hv[i] as f64).abs() / scale);
        }
        worst = worst.min(err);
    }
    assert!(worst < 1e-3, "{mode:?}: worst error of H·v relative to its largest entry {worst}");
}

#[test]
fn hvp_matches_central_differences_of_the_gradient() {
    for mode in [Mode::BatchStats, Mode::Eval] {
        check_hvp(mlp_bn(), 3, mode);
        check_hvp(conv_pool(), 4, mode);
        check_hvp(residual(), 3, mode);
        check_hvp(with_dropout(), 3, mode);
    }
}

#[test]
fn hessian_is_symmetric() {
    for (shape, classes) in [(mlp_bn(), 3), (conv_pool(), 4), (residual(), 3)] {
        let mut c = case(shape, classes);
        let total = c.theta.len();
        let (mut u, mut v) = (rand_vec(total, 5, 1.0), rand_vec(total, 6, 1.0));
        u[c.p..].iter_mut().for_each(|x| *x = 0.0);
        v[c.p..].iter_mut().for_each(|x| *x = 0.0);
        for mode in [Mode::BatchStats, Mode::Eval] {
            let (hu, hv) = (hvp(&mut c, &u, mode), hvp(&mut c, &v, mode));
            let dot = |a: &[f32], b: &[f32]| a.iter().zip(b).map(|(&x, &y)| x as f64 * y as f64).sum::<f64>();
            let (uhv, vhu) = (dot(&u, &hv), dot(&v, &hu));
            assert!((uhv - vhu).abs() <= 1e-4 * (uhv.abs() + vhu.abs() + 1e-3), "{mode:?}: uᵀHv {uhv} vs vᵀHu {vhu}");
        }
    }
}

#[test]
fn train_mode_and_bad_lengths_are_refused() {
    let mut c = case(mlp_bn(), 3);
    let total = c.theta.len();
    let v = vec![0.0; total];
    let (mut hv, mut l, mut k) = (vec![0.0; total], vec![0.0; c.n], vec![0u32; c.n]);
    let r = c.plan.hvp(&mut c.theta, &v, &mut hv, None, c.n, Mode::Train, Outputs { losses: &mut l, correct: &mut k });
    assert_eq!(r.err(), Some(PlanError::Arg));
    let r = c.plan.hvp(&mut c.theta, &v[1..], &mut hv, None, c.n, Mode::Eval, Outputs { losses: &mut l, correct: &mut k });
    assert_eq!(r.err(), Some(PlanError::Shape));
}
