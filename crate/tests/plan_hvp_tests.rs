//! Hessian-vector products of plans (R-operator): H·v against central differences of the gradient
//! along v, for dense/BatchNorm (batch statistics and running statistics), conv with both poolings,
//! residual and dropout plans; the symmetry uᵀHv = vᵀHu; TRAIN mode is refused.

use modeconn_core::plan::{Mode, Outputs, Plan, PlanError, MAGIC, VERSION};
use modeconn_core::rng;

/// A tiny plan builder: buffers and ops appended in order, θ offsets assigned as it goes.
struct Builder {
    sizes: Vec<u32>,
    ops: Vec<u32>,
    n_ops: u32,
    p: u32,
    buffers: Vec<(u32, u32)>, // (offset within buffer region, len) of running stats
}

impl Builder {
    fn new(input: u32) -> Self {
        Builder { sizes: vec![input], ops: vec![], n_ops: 0, p: 0, buffers: vec![] }
    }
    fn buf(&mut self, size: u32) -> u32 {
        self.sizes.push(size);
        self.sizes.len() as u32 - 1
    }
    fn param(&mut self, len: u32) -> u32 {
        self.p += len;
        self.p - len
    }
    fn op(&mut self, code: u32, fields: &[u32]) {
        self.ops.push(code);
        self.ops.push(fields.len() as u32);
        self.ops.extend_from_slice(fields);
        self.n_ops += 1;
    }
    fn dense(&mut self, src: u32, inp: u32, out: u32, relu: bool) -> u32 {
        let dst = self.buf(out);
        let w = self.param(inp * out);
        let b = self.param(out);
        self.op(1, &[src, dst, inp, out, w, b, relu as u32]);
        dst
    }
    /// BatchNorm's running statistics get placeholder offsets, fixed up in `finish`.
    fn bn(&mut self, src: u32, c: u32, s: u32, relu: bool) -> u32 {
        let dst = self.buf(c * s);
        let g = self.param(c);
        let b = self.param(c);
        let slot = self.buffers.iter().map(|&(_, l)| l).sum::<u32>();
        self.buffers.push((slot, 2 * c));
        self.op(3, &[src, dst, c, s, g, b, 0x8000_0000 | slot, 0x8000_0000 | (slot + c), 1e-5f32.to_bits(), 0.1f32.to_bits(), relu as u32]);
        dst
    }
    fn finish(mut self, out_buf: u32, classes: u32) -> (Vec<u32>, usize, usize) {
        let p = self.p;
        let b: u32 = self.buffers.iter().map(|&(_, l)| l).sum();
        // Resolve running-statistic placeholders (high bit set) to absolute offsets ≥ P.
        let mut i = 0;
        while i < self.ops.len() {
            let (code, count) = (self.ops[i], self.ops[i + 1] as usize);
            if code == 3 {
                for k in [i + 2 + 6, i + 2 + 7] {
                    self.ops[k] = p + (self.ops[k] & 0x7fff_ffff);
                }
            }
            i += 2 + count;
        }
        let mut words = vec![MAGIC, VERSION, self.sizes.len() as u32, self.n_ops, p, p + b, classes, out_buf];
        words.extend_from_slice(&self.sizes);
        words.extend_from_slice(&self.ops);
        (words, p as usize, (p + b) as usize)
    }
}

fn rand_vec(len: usize, seed: u32, scale: f32) -> Vec<f32> {
    let mut s = rng::seed(seed, 7);
    (0..len).map(|_| (rng::uniform(&mut s) * 2.0 - 1.0) * scale).collect()
}

/// θ with BatchNorm running variances set to 1 (ranges of running stats given by the builder).
fn init_params(total: usize, p: usize, seed: u32) -> Vec<f32> {
    let mut theta = rand_vec(total, seed, 0.5);
    for v in theta[p..].iter_mut() {
        *v = 1.0;
    }
    theta
}

fn mlp_bn() -> (Vec<u32>, usize, usize) {
    let mut b = Builder::new(6);
    let h = b.dense(0, 6, 5, false);
    let h = b.bn(h, 5, 1, true);
    let o = b.dense(h, 5, 3, false);
    b.finish(o, 3)
}

fn conv_pool() -> (Vec<u32>, usize, usize) {
    // input [2, 5, 5] → conv 3x3 pad 1 → 3 ch relu → maxpool 2 (→ [3,2,2]) → bn2d → avgpool 2 → dense 3→4
    let mut b = Builder::new(2 * 5 * 5);
    let c = b.buf(3 * 25);
    let w = b.param(3 * 2 * 9);
    let bias = b.param(3);
    b.op(2, &[0, c, 2, 5, 5, 3, 3, 3, 1, 1, 1, 1, w, bias, 1]);
    let m = b.buf(3 * 4);
    b.op(5, &[c, m, 3, 5, 5, 2, 2, 2, 2, 0, 0]);
    let n = b.bn(m, 3, 4, false);
    let a = b.buf(3);
    b.op(6, &[n, a, 3, 2, 2, 2, 2, 2, 2, 0, 0]);
    let o = b.dense(a, 3, 4, false);
    b.finish(o, 4)
}

fn residual() -> (Vec<u32>, usize, usize) {
    let mut b = Builder::new(4);
    let x1 = b.dense(0, 4, 6, true);
    let body = b.dense(x1, 6, 6, true);
    let body = b.dense(body, 6, 6, false);
    let sum = b.buf(6);
    b.op(8, &[body, sum, x1, 1]);
    let o = b.dense(sum, 6, 3, false);
    b.finish(o, 3)
}

fn data(count: usize, row: usize, classes: u32, seed: u32) -> (Vec<f32>, Vec<u32>) {
    let x = rand_vec(count * row, seed, 1.0);
    let y = (0..count as u32).map(|i| (i * 7 + seed) % classes).collect();
    (x, y)
}

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
