//! NAIVE stand-in for the blocked SIMD GEMM (conv branch only; the gemm branch's version wins at
//! merge). C(m,n) = beta*C + op(A)·op(B) + bias, then ReLU if `relu`. Row-major.

/// A bias added to every element of C after the product.
pub enum Bias<'a> {
    None,
    /// One value per column (len n).
    PerCol(&'a [f32]),
    /// One value per row (len m).
    PerRow(&'a [f32]),
}

/// GEMM geometry and flags. op(A) is (m,k): A is stored (m,k), or (k,m) when `trans_a`.
/// op(B) is (k,n): B is stored (k,n), or (n,k) when `trans_b`.
pub struct Gemm {
    pub m: usize,
    pub n: usize,
    pub k: usize,
    pub trans_a: bool,
    pub trans_b: bool,
    pub beta: f32,
    pub relu: bool,
}

/// C(m,n) = beta*C + op(A)·op(B) + bias, then ReLU if `relu`; beta == 0 ignores C's old contents.
pub fn gemm(p: &Gemm, a: &[f32], b: &[f32], bias: Bias, c: &mut [f32]) {
    let (m, n, k) = (p.m, p.n, p.k);
    for i in 0..m {
        for j in 0..n {
            let mut acc = 0.0f32;
            for l in 0..k {
                let av = if p.trans_a { a[l * m + i] } else { a[i * k + l] };
                let bv = if p.trans_b { b[j * k + l] } else { b[l * n + j] };
                acc += av * bv;
            }
            let old = if p.beta == 0.0 { 0.0 } else { p.beta * c[i * n + j] };
            let mut v = old + acc;
            match bias {
                Bias::None => {}
                Bias::PerCol(bv) => v += bv[j],
                Bias::PerRow(bv) => v += bv[i],
            }
            if p.relu && v < 0.0 {
                v = 0.0;
            }
            c[i * n + j] = v;
        }
    }
}
