//! The plan executor: parsing rejects bad words, gradients match central finite differences for
//! dense/BatchNorm, conv/pool and residual plans, the exact-average BatchNorm mode equals one-shot
//! statistics, SGD steps lower the loss, and backward does not depend on the gradient vector's
//! old contents (it zeroes only what no dense op overwrites).

mod common {
    pub mod plans;
}

use common::plans::*;
use modeconn_core::optim::Sgd;
use modeconn_core::plan::{Mode, Plan, PlanError, NONE};
use modeconn_core::plan::{Optimizer, Outputs};
use modeconn_core::rng;

fn mean_loss(plan: &mut Plan, theta: &mut [f32], n: usize) -> f64 {
    let mut st = rng::seed(1, 1);
    let (mut l, mut c) = (vec![0.0; n], vec![0u32; n]);
    plan.forward(theta, n, Mode::BatchStats, &mut st).unwrap();
    plan.loss(n, Outputs { losses: &mut l, correct: &mut c }, false) as f64
}

fn check_gradient((words, p, total): (Vec<u32>, usize, usize), classes: u32) {
    let n = 5;
    let mut plan = Plan::parse(&words, 8).unwrap();
    let row = plan.input_size();
    let (x, y) = data(n, row, classes, 3);
    let idx: Vec<u32> = (0..n as u32).collect();
    plan.load_batch(&x, &y, &idx).unwrap();
    let mut theta = init_params(total, p, 11);
    let mut grads = vec![0.0; total];
    let mut st = rng::seed(1, 1);
    let (mut l, mut c) = (vec![0.0; n], vec![0u32; n]);
    plan.gradient(&mut theta, &mut grads, n, Mode::BatchStats, &mut st, Outputs { losses: &mut l, correct: &mut c }).unwrap();
    assert!(grads[p..].iter().all(|&g| g == 0.0), "buffers get no gradient");
    let eps = 2e-3f32;
    let mut worst = 0f64;
    for i in 0..p {
        let keep = theta[i];
        theta[i] = keep + eps;
        let up = mean_loss(&mut plan, &mut theta, n);
        theta[i] = keep - eps;
        let down = mean_loss(&mut plan, &mut theta, n);
        theta[i] = keep;
        let fd = (up - down) / (2.0 * eps as f64);
        let err = (fd - grads[i] as f64).abs() / (1e-2 + fd.abs().max(grads[i].abs() as f64));
        worst = worst.max(err);
    }
    assert!(worst < 1e-2, "worst relative gradient error {worst}");
}

#[test]
fn gradients_match_finite_differences() {
    check_gradient(mlp_bn(), 3);
    check_gradient(conv_pool(), 4);
    check_gradient(residual(), 3);
}

/// A dense layer whose output never reaches the loss: its gradient must stay zero.
fn dead_branch() -> (Vec<u32>, usize, usize) {
    let mut b = Builder::new(4);
    let h = b.dense(0, 4, 5, true);
    let _dead = b.dense(h, 5, 2, false);
    let o = b.dense(h, 5, 3, false);
    b.finish(o, 3)
}

/// `mlp_bn` with the last dense layer's weights aliasing the first's (windows overlap).
fn aliased() -> (Vec<u32>, usize, usize) {
    let (mut words, p, total) = mlp_bn();
    let sizes = words[2] as usize;
    let mut at = 8 + sizes;
    let mut dense_w = Vec::new();
    while at < words.len() {
        if words[at] == 1 {
            dense_w.push(at + 2 + 4);
        }
        at += 2 + words[at + 1] as usize;
    }
    words[dense_w[1]] = 0;
    (words, p, total)
}

#[test]
fn backward_ignores_the_old_gradient_contents() {
    for (name, (words, p, total), classes) in [
        ("mlp_bn", mlp_bn(), 3),
        ("conv_pool", conv_pool(), 4),
        ("residual", residual(), 3),
        ("dead_branch", dead_branch(), 3),
        ("aliased", aliased(), 3),
    ] {
        let n = 5;
        let mut plan = Plan::parse(&words, 8).unwrap();
        let (x, y) = data(n, plan.input_size(), classes, 3);
        let idx: Vec<u32> = (0..n as u32).collect();
        plan.load_batch(&x, &y, &idx).unwrap();
        let mut theta = init_params(total, p, 11);
        let (mut l, mut c) = (vec![0.0; n], vec![0u32; n]);
        let mut clean = vec![0.0; total];
        let mut dirty = vec![f32::NAN; total];
        for grads in [&mut clean, &mut dirty] {
            let mut st = rng::seed(1, 1);
            plan.gradient(&mut theta, grads, n, Mode::BatchStats, &mut st, Outputs { losses: &mut l, correct: &mut c }).unwrap();
        }
        let same = clean.iter().zip(&dirty).all(|(a, b)| a.to_bits() == b.to_bits());
        assert!(same, "{name}: gradients depend on the gradient vector's old contents");
        assert!(clean[p..].iter().all(|&g| g == 0.0), "{name}: buffers get no gradient");
    }
    // The dead branch's weights and bias (θ[25, 37)) get exactly zero.
    let (words, p, total) = dead_branch();
    let mut plan = Plan::parse(&words, 4).unwrap();
    let (x, y) = data(2, 4, 3, 5);
    plan.load_batch(&x, &y, &[0, 1]).unwrap();
    let mut theta = init_params(total, p, 2);
    let mut grads = vec![f32::NAN; total];
    let (mut l, mut c) = (vec![0.0; 2], vec![0u32; 2]);
    plan.gradient(&mut theta, &mut grads, 2, Mode::Train, &mut rng::seed(1, 1), Outputs { losses: &mut l, correct: &mut c }).unwrap();
    assert!(grads[25..37].iter().all(|&g| g == 0.0));
    assert!(grads[37..].iter().any(|&g| g != 0.0));
}

#[test]
fn parse_rejects_bad_words() {
    let (words, _, _) = mlp_bn();
    assert!(Plan::parse(&words, 4).is_ok());
    let mut bad = words.clone();
    bad[0] ^= 1;
    assert_eq!(Plan::parse(&bad, 4).err(), Some(PlanError::Format));
    assert_eq!(Plan::parse(&words[..words.len() - 1], 4).err(), Some(PlanError::Format));
    assert_eq!(Plan::parse(&words, 0).err(), Some(PlanError::Shape));
    let mut short_theta = words.clone();
    short_theta[4] = 10; // P too small for the first dense weight
    short_theta[5] = 30;
    assert!(Plan::parse(&short_theta, 4).is_err());
    let mut wrong_classes = words.clone();
    wrong_classes[6] = 4;
    assert_eq!(Plan::parse(&wrong_classes, 4).err(), Some(PlanError::Format));
    for k in 8..words.len() {
        // Any single corrupted word is rejected or still runs without panicking.
        let mut w = words.clone();
        w[k] = w[k].wrapping_add(0x1000_0001);
        if let Ok(mut plan) = Plan::parse(&w, 2) {
            let total = w[5] as usize;
            let row = plan.input_size();
            let (x, y) = data(2, row, w[6].max(1), 1);
            if plan.load_batch(&x, &y, &[0, 1]).is_ok() {
                let mut theta = vec![0.5; total];
                let _ = plan.forward(&mut theta, 2, Mode::Train, &mut rng::seed(0, 0));
            }
        }
    }
    let _ = NONE;
}

#[test]
fn exact_average_mode_equals_one_shot_statistics() {
    let (words, p, total) = mlp_bn();
    let count = 12;
    let (x, y) = data(count, 6, 3, 5);
    let theta0 = init_params(total, p, 2);
    let mut plan = Plan::parse(&words, count).unwrap();
    let mut one = theta0.clone();
    let all: Vec<u32> = (0..count as u32).collect();
    plan.load_batch(&x, &y, &all).unwrap();
    plan.forward(&mut one, count, Mode::BnExact { seen: 0 }, &mut rng::seed(0, 0)).unwrap();
    let mut avg = theta0.clone();
    let mut seen = 0u64;
    for chunk in all.chunks(count / 3) {
        plan.load_batch(&x, &y, chunk).unwrap();
        plan.forward(&mut avg, chunk.len(), Mode::BnExact { seen }, &mut rng::seed(0, 0)).unwrap();
        seen += chunk.len() as u64;
    }
    // Means agree exactly in distribution; the variance average is of per-batch unbiased variances
    // (as Garipov's update_bn), so only the means are compared with the one-shot pass.
    for c in 0..5 {
        assert!((one[p + c] - avg[p + c]).abs() < 1e-5, "mean {c}: {} vs {}", one[p + c], avg[p + c]);
    }
    assert_eq!(&theta0[..p], &avg[..p], "trainable parameters untouched");
}

#[test]
fn sgd_steps_lower_the_loss() {
    let (words, p, total) = residual();
    let count = 32;
    let mut plan = Plan::parse(&words, count).unwrap();
    let (x, _) = data(count, 4, 3, 9);
    // A learnable rule: the label is the argmax of the first three inputs.
    let y: Vec<u32> = x.chunks(4).map(|r| (0..3).max_by(|&a, &b| r[a].partial_cmp(&r[b]).unwrap()).unwrap() as u32).collect();
    let mut theta = init_params(total, p, 4);
    let mut grads = vec![0.0; total];
    let mut buf = vec![0.0; p];
    let opt = Optimizer::Sgd(Sgd { lr: 0.1, momentum: 0.9, dampening: 0.0, weight_decay: 0.0, nesterov: false });
    let all: Vec<u32> = (0..count as u32).collect();
    let (mut l, mut c) = (vec![0.0; count], vec![0u32; count]);
    let mut first = 0.0;
    let mut last = 0.0;
    for step in 1..=60 {
        plan.load_batch(&x, &y, &all).unwrap();
        let loss = plan
            .train_step(
                &mut theta,
                &mut grads,
                &opt,
                &mut buf,
                &mut [],
                step,
                count,
                &mut rng::seed(0, 0),
                Outputs { losses: &mut l, correct: &mut c },
            )
            .unwrap();
        if step == 1 {
            first = loss;
        }
        last = loss;
    }
    assert!(last < 0.5 * first, "loss {first} → {last}");
}
