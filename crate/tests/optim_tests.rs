//! optim: SGD and Adam/AdamW against references written as PyTorch's sequence of tensor ops
//! (torch/optim/sgd.py and adam.py / adamw.py, single-tensor path), plus hand-computed steps.

use modeconn_core::optim::{self, Adam, Sgd};
use modeconn_core::rng;

const LENS: [usize; 5] = [1, 3, 17, 255, 513];

fn normals(n: usize, seed: u32, stream: u32) -> Vec<f32> {
    let mut s = rng::seed(seed, stream);
    let mut v = vec![0f32; n];
    rng::fill_normal(&mut s, &mut v);
    v
}

/// torch.optim.SGD's update as whole-vector ops, each a separate pass like the tensor ops.
fn sgd_reference(h: &Sgd, p: &mut [f32], g: &[f32], buf: &mut Option<Vec<f32>>) {
    let mut d_p: Vec<f32> = g.to_vec();
    if h.weight_decay != 0.0 {
        // d_p = d_p.add(param, alpha=weight_decay)
        d_p = d_p.iter().zip(p.iter()).map(|(&d, &q)| d + h.weight_decay * q).collect();
    }
    if h.momentum != 0.0 {
        match buf {
            None => *buf = Some(d_p.clone()),
            Some(b) => {
                // buf.mul_(momentum).add_(d_p, alpha=1 - dampening)
                for x in b.iter_mut() {
                    *x *= h.momentum;
                }
                for (x, &d) in b.iter_mut().zip(&d_p) {
                    *x += (1.0 - h.dampening) * d;
                }
            }
        }
        let b = buf.as_ref().unwrap();
        if h.nesterov {
            d_p = d_p.iter().zip(b).map(|(&d, &x)| d + h.momentum * x).collect();
        } else {
            d_p = b.clone();
        }
    }
    // param.add_(d_p, alpha=-lr)
    for (q, &d) in p.iter_mut().zip(&d_p) {
        *q += -h.lr * d;
    }
}

/// torch.optim.Adam / AdamW's update as whole-vector ops.
fn adam_reference(h: &Adam, t: u32, p: &mut [f32], g: &[f32], m: &mut [f32], v: &mut [f32]) {
    let mut grad = g.to_vec();
    if h.decoupled {
        // param.mul_(1 - lr * weight_decay), the factor formed in double
        let f = (1.0 - h.lr as f64 * h.weight_decay as f64) as f32;
        p.iter_mut().for_each(|q| *q *= f);
    } else if h.weight_decay != 0.0 {
        grad = grad.iter().zip(p.iter()).map(|(&d, &q)| d + h.weight_decay * q).collect();
    }
    for (x, &d) in m.iter_mut().zip(&grad) {
        *x = *x * h.beta1 + (1.0 - h.beta1) * d;
    }
    for (x, &d) in v.iter_mut().zip(&grad) {
        *x = *x * h.beta2 + (1.0 - h.beta2) * d * d;
    }
    let bc1 = 1.0 - (h.beta1 as f64).powi(t as i32);
    let bc2 = 1.0 - (h.beta2 as f64).powi(t as i32);
    let step_size = (h.lr as f64 / bc1) as f32;
    let bc2_sqrt = bc2.sqrt() as f32;
    let denom: Vec<f32> = v.iter().map(|&x| x.sqrt() / bc2_sqrt + h.eps).collect();
    for ((q, &a), &d) in p.iter_mut().zip(m.iter()).zip(&denom) {
        *q += -step_size * (a / d);
    }
}

#[test]
fn sgd_matches_the_pytorch_sequence_over_several_steps() {
    let configs = [
        Sgd { lr: 0.1, momentum: 0.0, dampening: 0.0, weight_decay: 0.0, nesterov: false },
        Sgd { lr: 0.05, momentum: 0.0, dampening: 0.0, weight_decay: 1e-2, nesterov: false },
        Sgd { lr: 0.05, momentum: 0.9, dampening: 0.0, weight_decay: 5e-4, nesterov: false },
        Sgd { lr: 0.01, momentum: 0.9, dampening: 0.1, weight_decay: 0.0, nesterov: false },
        Sgd { lr: 0.02, momentum: 0.8, dampening: 0.0, weight_decay: 1e-3, nesterov: true },
    ];
    for (ci, h) in configs.iter().enumerate() {
        assert!(h.is_valid());
        for &n in &LENS {
            let mut p = normals(n, ci as u32, 0);
            let mut p_ref = p.clone();
            let mut buf = vec![0f32; n];
            let mut buf_ref = None;
            for step in 0..5u32 {
                let g = normals(n, ci as u32, 1 + step);
                optim::sgd_step(h, &mut p, &g, &mut buf, step == 0);
                sgd_reference(h, &mut p_ref, &g, &mut buf_ref);
            }
            // Same f32 ops in the same order: bit-exact.
            assert_eq!(p, p_ref, "config {ci} n {n}");
            if h.momentum != 0.0 {
                assert_eq!(buf, buf_ref.unwrap());
            }
        }
    }
}

#[test]
fn adam_and_adamw_match_the_pytorch_sequence_over_several_steps() {
    let base = Adam { lr: 1e-3, beta1: 0.9, beta2: 0.999, eps: 1e-8, weight_decay: 0.0, decoupled: false };
    let configs = [
        base,
        Adam { weight_decay: 1e-2, ..base },
        Adam { weight_decay: 1e-2, decoupled: true, ..base },
        Adam { lr: 0.05, beta1: 0.5, beta2: 0.9, eps: 1e-6, weight_decay: 0.1, decoupled: true },
    ];
    for (ci, h) in configs.iter().enumerate() {
        assert!(h.is_valid());
        for &n in &LENS {
            let mut p = normals(n, 10 + ci as u32, 0);
            let mut p_ref = p.clone();
            let (mut m, mut v) = (vec![0f32; n], vec![0f32; n]);
            let (mut m_ref, mut v_ref) = (m.clone(), v.clone());
            for t in 1..=6u32 {
                let g = normals(n, 10 + ci as u32, t);
                optim::adam_step(h, t, &mut p, &g, &mut m, &mut v);
                adam_reference(h, t, &mut p_ref, &g, &mut m_ref, &mut v_ref);
            }
            // powi may differ from binary exponentiation in the last f64 bit, which can move a
            // rounded f32 scalar by one ulp: compare with a tolerance of a few f32 ulp.
            for i in 0..n {
                let tol = 4.0 * f32::EPSILON * p_ref[i].abs().max(1e-3);
                assert!((p[i] - p_ref[i]).abs() <= tol, "config {ci} n {n} i {i}: {} vs {}", p[i], p_ref[i]);
            }
            assert_eq!(m, m_ref);
            assert_eq!(v, v_ref);
        }
    }
}

#[test]
fn hand_computed_steps() {
    // SGD, momentum 0.9, dampening 0, lr 0.1, p0 = 1, g = 1, 1: buf 1 then 1.9; p 0.9 then 0.71.
    let h = Sgd { lr: 0.1, momentum: 0.9, dampening: 0.0, weight_decay: 0.0, nesterov: false };
    let (mut p, mut buf) = ([1.0f32], [0.0f32]);
    optim::sgd_step(&h, &mut p, &[1.0], &mut buf, true);
    assert_eq!((p[0], buf[0]), (0.9, 1.0));
    optim::sgd_step(&h, &mut p, &[1.0], &mut buf, false);
    assert_eq!(buf[0], 1.9);
    assert!((p[0] - 0.71).abs() < 1e-6);
    // Nesterov first step: buf = g = 2, d = g + 0.9·buf = 3.8, p = 1 − 0.1·3.8 = 0.62.
    let h = Sgd { nesterov: true, ..h };
    let (mut p, mut buf) = ([1.0f32], [0.0f32]);
    optim::sgd_step(&h, &mut p, &[2.0], &mut buf, true);
    assert!((p[0] - 0.62).abs() < 1e-6);
    // Adam's first step moves each parameter by lr·sign(g) when eps is negligible.
    let h = Adam { lr: 0.01, beta1: 0.9, beta2: 0.999, eps: 1e-12, weight_decay: 0.0, decoupled: false };
    let mut p = [0.5f32, -0.25, 3.0];
    let (mut m, mut v) = ([0f32; 3], [0f32; 3]);
    optim::adam_step(&h, 1, &mut p, &[3.0, -0.001, 100.0], &mut m, &mut v);
    for (got, want) in p.iter().zip(&[0.49f32, -0.24, 2.99]) {
        assert!((got - want).abs() < 1e-6, "{got} vs {want}");
    }
    // AdamW with zero gradient only decays: p·(1 − lr·wd).
    let h = Adam { weight_decay: 0.5, decoupled: true, ..h };
    let mut p = [2.0f32];
    optim::adam_step(&h, 1, &mut p, &[0.0], &mut [0.0], &mut [0.0]);
    assert_eq!(p[0], 2.0 * (1.0 - 0.005));
}

#[test]
fn powi_and_argument_checks() {
    assert_eq!(optim::powi_f64(0.9, 0), 1.0);
    assert_eq!(optim::powi_f64(0.5, 10), 1.0 / 1024.0);
    // Squaring doubles relative error per level (≈ 2^10 · ½ulp here); far below f32 resolution.
    assert!((optim::powi_f64(0.999, 1000) - 0.999f64.powf(1000.0)).abs() < 1e-12);
    let ok = Sgd { lr: 0.1, momentum: 0.0, dampening: 0.0, weight_decay: 0.0, nesterov: false };
    assert!(!Sgd { nesterov: true, ..ok }.is_valid());
    assert!(!Sgd { lr: -1.0, ..ok }.is_valid());
    assert!(!Sgd { lr: f32::NAN, ..ok }.is_valid());
    let a = Adam { lr: 1e-3, beta1: 0.9, beta2: 0.999, eps: 1e-8, weight_decay: 0.0, decoupled: false };
    assert!(!Adam { beta1: 1.0, ..a }.is_valid());
    assert!(!Adam { beta2: -0.1, ..a }.is_valid());
}
