//! gemm vs a naive triple loop (f64 accumulation): all transpose combinations, odd shapes, every
//! epilogue, beta = 0 over NaN-filled C, k split across several packed blocks.

use modeconn_core::gemm::{gemm, simd_peak, Bias, Gemm};

struct Lcg(u64);
impl Lcg {
    fn next(&mut self) -> f32 {
        self.0 = self.0.wrapping_mul(6364136223846793005).wrapping_add(1442695040888963407);
        ((self.0 >> 40) as f32 / (1u64 << 24) as f32) * 2.0 - 1.0
    }
    fn vec(&mut self, n: usize) -> Vec<f32> {
        (0..n).map(|_| self.next()).collect()
    }
}

fn naive(p: &Gemm, a: &[f32], b: &[f32], bias: Bias, c: &mut [f32]) {
    for i in 0..p.m {
        for j in 0..p.n {
            let mut s = 0.0f64;
            for q in 0..p.k {
                let av = if p.trans_a { a[q * p.m + i] } else { a[i * p.k + q] };
                let bv = if p.trans_b { b[j * p.k + q] } else { b[q * p.n + j] };
                s += av as f64 * bv as f64;
            }
            let old = c[i * p.n + j];
            let mut v = if p.beta == 0.0 { s } else { p.beta as f64 * old as f64 + s };
            match bias {
                Bias::PerCol(v_) => v += v_[j] as f64,
                Bias::PerRow(v_) => v += v_[i] as f64,
                Bias::None => {}
            }
            if p.relu && v < 0.0 {
                v = 0.0;
            }
            c[i * p.n + j] = v as f32;
        }
    }
}

#[allow(clippy::too_many_arguments)]
fn check(m: usize, n: usize, k: usize, ta: bool, tb: bool, beta: f32, relu: bool, axis: u8, seed: u64) {
    let mut r = Lcg(seed);
    let a = r.vec(m * k);
    let b = r.vec(k * n);
    let bias_v = r.vec(if axis == 2 { m } else { n });
    let bias = match axis {
        1 => Bias::PerCol(&bias_v),
        2 => Bias::PerRow(&bias_v),
        _ => Bias::None,
    };
    let c0: Vec<f32> = if beta == 0.0 { vec![f32::NAN; m * n] } else { r.vec(m * n) };
    let p = Gemm { m, n, k, trans_a: ta, trans_b: tb, beta, relu };
    let mut want = c0.clone();
    naive(&p, &a, &b, bias, &mut want);
    let mut got = c0.clone();
    gemm(&p, &a, &b, bias, &mut got);
    // f32 accumulation over k terms of size <= 1: error grows like k * eps.
    let tol = 1e-5 * (k as f32 + 4.0);
    for (idx, (g, w)) in got.iter().zip(want.iter()).enumerate() {
        assert!(
            (g - w).abs() <= tol * (1.0 + w.abs()),
            "m={m} n={n} k={k} ta={ta} tb={tb} beta={beta} relu={relu} axis={axis}: C[{idx}] = {g}, want {w}"
        );
    }
}

#[test]
fn all_layouts_odd_shapes() {
    let dims = [1usize, 3, 4, 5, 8, 17, 33];
    let mut seed = 1;
    for &m in &dims {
        for &n in &dims {
            for &k in &[1usize, 3, 17] {
                for &(ta, tb) in &[(false, false), (true, false), (false, true), (true, true)] {
                    seed += 1;
                    check(m, n, k, ta, tb, 0.0, false, 0, seed);
                }
            }
        }
    }
}

#[test]
fn large_odd_shapes_cross_blocks() {
    // 255/513 cross MC, NR, MR and KC boundaries; k = 513 and 1100 use two and three depth blocks.
    let shapes = [(255, 17, 513), (17, 513, 255), (513, 3, 255), (3, 255, 513), (129, 131, 257), (21, 30, 1100)];
    for (s, &(m, n, k)) in shapes.iter().enumerate() {
        for &(ta, tb) in &[(false, false), (true, false), (false, true), (true, true)] {
            check(m, n, k, ta, tb, 0.5, s % 2 == 0, (s % 3) as u8, 100 + s as u64);
        }
    }
}

#[test]
fn wide_n_crosses_nc() {
    check(5, 2100, 9, false, true, 0.0, true, 1, 7);
    check(9, 2049, 300, true, false, 1.0, false, 2, 8);
}

#[test]
fn epilogue_variants() {
    let mut seed = 500;
    for &beta in &[0.0f32, 1.0, -0.75] {
        for &relu in &[false, true] {
            for axis in 0..3u8 {
                for &(m, n, k) in &[(7, 13, 5), (12, 16, 300), (1, 1, 1)] {
                    seed += 1;
                    check(m, n, k, seed % 2 == 0, seed % 3 == 0, beta, relu, axis, seed);
                }
            }
        }
    }
}

#[test]
fn beta_zero_ignores_nan_c() {
    for &k in &[1usize, 256, 300] {
        check(6, 10, k, false, false, 0.0, false, 0, 9 + k as u64);
        check(6, 10, k, true, true, 0.0, true, 2, 10 + k as u64);
    }
}

#[test]
fn k_zero_is_epilogue_only() {
    let bias = [1.0f32, -2.0, 3.0];
    let mut c = vec![1.0f32; 6];
    let p = Gemm { m: 2, n: 3, k: 0, trans_a: false, trans_b: false, beta: 2.0, relu: true };
    gemm(&p, &[], &[], Bias::PerCol(&bias), &mut c);
    assert_eq!(c, vec![3.0, 0.0, 5.0, 3.0, 0.0, 5.0]);
    let mut c = vec![f32::NAN; 6];
    gemm(&Gemm { beta: 0.0, ..p }, &[], &[], Bias::None, &mut c);
    assert_eq!(c, vec![0.0; 6]);
}

#[test]
fn repeated_calls_reuse_buffers_and_agree() {
    let mut r = Lcg(42);
    let (m, n, k) = (40, 24, 70);
    let a = r.vec(m * k);
    let b = r.vec(k * n);
    let p = Gemm { m, n, k, trans_a: false, trans_b: false, beta: 0.0, relu: false };
    let mut c1 = vec![0.0; m * n];
    gemm(&p, &a, &b, Bias::None, &mut c1);
    // A bigger call in between grows the buffers; the result for the first shape must not change.
    check(100, 100, 300, false, false, 0.0, false, 0, 3);
    let mut c2 = vec![0.0; m * n];
    gemm(&p, &a, &b, Bias::None, &mut c2);
    assert_eq!(c1, c2);
}

#[test]
fn simd_peak_is_finite_and_deterministic() {
    let x = simd_peak(1000);
    assert!(x.is_finite() && x > 0.0);
    assert_eq!(x, simd_peak(1000));
}

#[test]
fn scalar_simd_twin_ops() {
    use modeconn_core::simd::{Scalar, Simd};
    let rows: [[f32; 4]; 4] = core::array::from_fn(|i| core::array::from_fn(|j| (4 * i + j) as f32));
    let t = Scalar::transpose4(rows);
    for i in 0..4 {
        for j in 0..4 {
            assert_eq!(t[i][j], rows[j][i]);
        }
    }
    let r = Scalar::relu([-1.0, 0.0, 2.0, f32::NAN]);
    assert_eq!(&r[..3], &[0.0, 0.0, 2.0]);
    assert!(r[3].is_nan());
    let src = [1.0f32, 2.0, 3.0, 4.0, 5.0];
    // SAFETY: src has at least one (load_splat) and four (load) readable floats.
    let (v, s) = unsafe { (Scalar::load(src[1..].as_ptr()), Scalar::load_splat(src.as_ptr())) };
    assert_eq!(v, [2.0, 3.0, 4.0, 5.0]);
    assert_eq!(Scalar::add(Scalar::mul(v, s), Scalar::splat(0.5)), [2.5, 3.5, 4.5, 5.5]);
    assert_eq!(Scalar::sum(v), 14.0);
}

#[test]
fn relaxed_kernel_exists_only_in_the_wasm_build() {
    use modeconn_core::abi::{gemm_kernel, gemm_set_kernel, ERR_ARG, OK};
    // Natively there is no relaxed tile: asking for it is refused and changes nothing.
    assert_eq!(gemm_set_kernel(1), ERR_ARG);
    assert_eq!(gemm_set_kernel(7), ERR_ARG);
    assert_eq!(gemm_kernel(), 0);
    assert_eq!(gemm_set_kernel(0), OK);
    assert_eq!(gemm_kernel(), 0);
}
