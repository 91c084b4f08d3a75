//! Shared by the plan tests: a tiny plan builder (buffers and ops appended in order, θ offsets
//! assigned as it goes), seeded parameters and data, and the small plans both files check.
#![allow(dead_code)]

use modeconn_core::plan::{MAGIC, VERSION};
use modeconn_core::rng;

/// A tiny plan builder: buffers and ops appended in order, θ offsets assigned as it goes.
pub struct Builder {
    sizes: Vec<u32>,
    ops: Vec<u32>,
    n_ops: u32,
    p: u32,
    buffers: Vec<(u32, u32)>, // (offset within buffer region, len) of running stats
}

impl Builder {
    pub fn new(input: u32) -> Self {
        Builder { sizes: vec![input], ops: vec![], n_ops: 0, p: 0, buffers: vec![] }
    }
    pub fn buf(&mut self, size: u32) -> u32 {
        self.sizes.push(size);
        self.sizes.len() as u32 - 1
    }
    pub fn param(&mut self, len: u32) -> u32 {
        self.p += len;
        self.p - len
    }
    pub fn op(&mut self, code: u32, fields: &[u32]) {
        self.ops.push(code);
        self.ops.push(fields.len() as u32);
        self.ops.extend_from_slice(fields);
        self.n_ops += 1;
    }
    pub fn dense(&mut self, src: u32, inp: u32, out: u32, relu: bool) -> u32 {
        let dst = self.buf(out);
        let w = self.param(inp * out);
        let b = self.param(out);
        self.op(1, &[src, dst, inp, out, w, b, relu as u32]);
        dst
    }
    /// BatchNorm's running statistics get placeholder offsets, fixed up in `finish`.
    pub fn bn(&mut self, src: u32, c: u32, s: u32, relu: bool) -> u32 {
        let dst = self.buf(c * s);
        let g = self.param(c);
        let b = self.param(c);
        let slot = self.buffers.iter().map(|&(_, l)| l).sum::<u32>();
        self.buffers.push((slot, 2 * c));
        self.op(3, &[src, dst, c, s, g, b, 0x8000_0000 | slot, 0x8000_0000 | (slot + c), 1e-5f32.to_bits(), 0.1f32.to_bits(), relu as u32]);
        dst
    }
    pub fn finish(mut self, out_buf: u32, classes: u32) -> (Vec<u32>, usize, usize) {
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

pub fn rand_vec(len: usize, seed: u32, scale: f32) -> Vec<f32> {
    let mut s = rng::seed(seed, 7);
    (0..len).map(|_| (rng::uniform(&mut s) * 2.0 - 1.0) * scale).collect()
}

/// θ with BatchNorm running variances set to 1 (ranges of running stats given by the builder).
pub fn init_params(total: usize, p: usize, seed: u32) -> Vec<f32> {
    let mut theta = rand_vec(total, seed, 0.5);
    for v in theta[p..].iter_mut() {
        *v = 1.0;
    }
    theta
}

pub fn mlp_bn() -> (Vec<u32>, usize, usize) {
    let mut b = Builder::new(6);
    let h = b.dense(0, 6, 5, false);
    let h = b.bn(h, 5, 1, true);
    let o = b.dense(h, 5, 3, false);
    b.finish(o, 3)
}

pub fn conv_pool() -> (Vec<u32>, usize, usize) {
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

pub fn residual() -> (Vec<u32>, usize, usize) {
    let mut b = Builder::new(4);
    let x1 = b.dense(0, 4, 6, true);
    let body = b.dense(x1, 6, 6, true);
    let body = b.dense(body, 6, 6, false);
    let sum = b.buf(6);
    b.op(8, &[body, sum, x1, 1]);
    let o = b.dense(sum, 6, 3, false);
    b.finish(o, 3)
}

pub fn data(count: usize, row: usize, classes: u32, seed: u32) -> (Vec<f32>, Vec<u32>) {
    let x = rand_vec(count * row, seed, 1.0);
    let y = (0..count as u32).map(|i| (i * 7 + seed) % classes).collect();
    (x, y)
}
