//! `Plan::parse`: checks every word of a plan (docs/PLAN-FORMAT.md) — header, buffer table, each
//! op's field count, buffer ids, parameter ranges inside θ, sizes — then allocates the buffers.

use super::{Kind, Mode, Op, Plan, PlanError, HEADER, MAGIC, NONE, VERSION};
use crate::conv::Conv2d;
use crate::pool::Pool2d;

fn opt(word: u32) -> Option<usize> {
    if word == NONE {
        None
    } else {
        Some(word as usize)
    }
}

fn mul(a: usize, b: usize) -> Result<usize, PlanError> {
    a.checked_mul(b).ok_or(PlanError::Shape)
}

/// `[off, off + len)` lies inside `[lo, hi)`.
fn within(off: usize, len: usize, lo: usize, hi: usize) -> Result<(), PlanError> {
    match off.checked_add(len) {
        Some(end) if off >= lo && end <= hi => Ok(()),
        _ => Err(PlanError::Shape),
    }
}

/// `[a, a+la)` and `[b, b+lb)` do not overlap.
fn disjoint(a: usize, la: usize, b: usize, lb: usize) -> Result<(), PlanError> {
    if a < b + lb && b < a + la {
        Err(PlanError::Shape)
    } else {
        Ok(())
    }
}

impl Plan {
    /// Parses and validates `words`; allocates buffers for `capacity` samples per batch.
    pub fn parse(words: &[u32], capacity: usize) -> Result<Plan, PlanError> {
        if words.len() < HEADER || words[0] != MAGIC || words[1] != VERSION {
            return Err(PlanError::Format);
        }
        let n_buffers = words[2] as usize;
        let n_ops = words[3] as usize;
        let (param_len, total_len) = (words[4] as usize, words[5] as usize);
        let (classes, out_buf) = (words[6] as usize, words[7] as usize);
        if capacity == 0 || n_buffers == 0 || param_len > total_len || classes == 0 || out_buf >= n_buffers {
            return Err(PlanError::Shape);
        }
        let table_end = HEADER.checked_add(n_buffers).ok_or(PlanError::Format)?;
        if words.len() < table_end {
            return Err(PlanError::Format);
        }
        let sizes: Vec<usize> = words[HEADER..table_end].iter().map(|&w| w as usize).collect();
        let mut written = vec![false; n_buffers];
        written[0] = true;
        let mut ops = Vec::with_capacity(n_ops.min(4096));
        let mut at = table_end;
        for _ in 0..n_ops {
            if at + 2 > words.len() {
                return Err(PlanError::Format);
            }
            let (code, count) = (words[at], words[at + 1] as usize);
            let f = words.get(at + 2..at + 2 + count).ok_or(PlanError::Format)?;
            at += 2 + count;
            let op = parse_op(code, f, &sizes, param_len, total_len)?;
            // Topological order, single assignment: sources already written, destination not.
            let reads_ok = written[op.src]
                && match op.kind {
                    Kind::Add { src2 } => written[src2],
                    _ => true,
                };
            if !reads_ok || op.dst == 0 || written[op.dst] || op.dst == op.src {
                return Err(PlanError::Format);
            }
            written[op.dst] = true;
            ops.push(op);
        }
        if at != words.len() || !written[out_buf] || sizes[out_buf] != classes {
            return Err(PlanError::Format);
        }
        let mut plan = Plan {
            ops,
            sizes,
            acts: Vec::new(),
            deltas: Vec::new(),
            delta_set: vec![false; n_buffers],
            scratch: Vec::new(),
            accum: Vec::new(),
            labels: vec![0; capacity],
            last_mode: Mode::Eval,
            tangent: None,
            capacity,
            param_len,
            total_len,
            classes,
            out_buf,
        };
        plan.allocate()?;
        Ok(plan)
    }

    fn allocate(&mut self) -> Result<(), PlanError> {
        let cap = self.capacity;
        let mut largest = 0usize;
        let mut scratch = 0usize;
        for &s in &self.sizes {
            largest = largest.max(mul(s, cap)?);
        }
        self.acts = self.sizes.iter().map(|&s| vec![0.0; s * cap]).collect();
        self.deltas = self.sizes.iter().map(|&s| vec![0.0; s * cap]).collect();
        for op in &mut self.ops {
            match &op.kind {
                Kind::Conv { g, .. } => {
                    let sz = Conv2d { n: 1, ..*g }.sizes().map_err(|_| PlanError::Shape)?;
                    scratch = scratch.max(sz.scratch_backward).max(sz.scratch_forward);
                }
                Kind::Bn { c, .. } => {
                    op.saved_a = vec![0.0; *c];
                    op.saved_b = vec![0.0; *c];
                }
                Kind::MaxPool { .. } => op.index = vec![0; self.sizes[op.dst] * cap],
                Kind::Dropout { .. } => op.saved_a = vec![0.0; self.sizes[op.dst] * cap],
                _ => {}
            }
        }
        self.scratch = vec![0.0; scratch];
        self.accum = vec![0.0; largest];
        Ok(())
    }
}

fn parse_op(code: u32, f: &[u32], sizes: &[usize], p: usize, total: usize) -> Result<Op, PlanError> {
    let expect = |n: usize| if f.len() == n { Ok(()) } else { Err(PlanError::Format) };
    let buf = |w: u32| if (w as usize) < sizes.len() { Ok(w as usize) } else { Err(PlanError::Format) };
    let flag = |w: u32| match w {
        0 => Ok(false),
        1 => Ok(true),
        _ => Err(PlanError::Format),
    };
    let (src, dst) = (buf(*f.first().ok_or(PlanError::Format)?)?, buf(*f.get(1).ok_or(PlanError::Format)?)?);
    let u = |i: usize| f[i] as usize;
    let (kind, relu) = match code {
        1 => {
            expect(7)?;
            let (inp, out) = (u(2), u(3));
            let b = opt(f[5]);
            within(u(4), mul(inp, out)?, 0, p)?;
            if let Some(b) = b {
                within(b, out, 0, p)?;
                disjoint(u(4), inp * out, b, out)?;
            }
            if sizes[src] != inp || sizes[dst] != out || inp == 0 || out == 0 {
                return Err(PlanError::Shape);
            }
            (Kind::Dense { inp, out, w: u(4), b }, flag(f[6])?)
        }
        2 => {
            expect(15)?;
            let g =
                Conv2d { n: 1, c_in: u(2), h: u(3), w: u(4), c_out: u(5), kh: u(6), kw: u(7), sh: u(8), sw: u(9), ph: u(10), pw: u(11) };
            let sz = g.sizes().map_err(|_| PlanError::Shape)?;
            let b = opt(f[13]);
            within(u(12), sz.weight, 0, p)?;
            if let Some(b) = b {
                within(b, g.c_out, 0, p)?;
                disjoint(u(12), sz.weight, b, g.c_out)?;
            }
            if sizes[src] != sz.x || sizes[dst] != sz.y {
                return Err(PlanError::Shape);
            }
            (Kind::Conv { g, w: u(12), b }, flag(f[14])?)
        }
        3 => {
            expect(11)?;
            let (c, s) = (u(2), u(3));
            let (gamma, beta) = (opt(f[4]), opt(f[5]));
            for g in [gamma, beta].iter().flatten() {
                within(*g, c, 0, p)?;
            }
            within(u(6), c, p, total)?;
            within(u(7), c, p, total)?;
            let overlap = |a: usize, b: usize| a < b + c && b < a + c;
            if overlap(u(6), u(7)) || matches!((gamma, beta), (Some(g), Some(b)) if overlap(g, b)) {
                return Err(PlanError::Shape);
            }
            let (eps, momentum) = (f32::from_bits(f[8]), f32::from_bits(f[9]));
            if !(eps > 0.0 && eps.is_finite() && (0.0..=1.0).contains(&momentum)) {
                return Err(PlanError::Arg);
            }
            if c == 0 || s == 0 || sizes[src] != mul(c, s)? || sizes[dst] != sizes[src] {
                return Err(PlanError::Shape);
            }
            (Kind::Bn { c, s, gamma, beta, mean: u(6), var: u(7), eps, momentum }, flag(f[10])?)
        }
        4 => {
            expect(2)?;
            if sizes[src] != sizes[dst] {
                return Err(PlanError::Shape);
            }
            (Kind::Relu, false)
        }
        5 | 6 => {
            expect(11)?;
            let g = Pool2d { n: 1, c: u(2), h: u(3), w: u(4), kh: u(5), kw: u(6), sh: u(7), sw: u(8), ph: u(9), pw: u(10) };
            let sz = g.sizes().map_err(|_| PlanError::Shape)?;
            if sizes[src] != sz.x || sizes[dst] != sz.y {
                return Err(PlanError::Shape);
            }
            (if code == 5 { Kind::MaxPool { g } } else { Kind::AvgPool { g } }, false)
        }
        7 => {
            expect(3)?;
            let pr = f32::from_bits(f[2]);
            if !(0.0..1.0).contains(&pr) {
                return Err(PlanError::Arg);
            }
            if sizes[src] != sizes[dst] {
                return Err(PlanError::Shape);
            }
            (Kind::Dropout { p: pr }, false)
        }
        8 => {
            expect(4)?;
            let src2 = buf(f[2])?;
            if sizes[src] != sizes[dst] || sizes[src2] != sizes[dst] || src2 == dst {
                return Err(PlanError::Shape);
            }
            (Kind::Add { src2 }, flag(f[3])?)
        }
        _ => return Err(PlanError::Format),
    };
    Ok(Op { kind, src, dst, relu, saved_a: Vec::new(), saved_b: Vec::new(), index: Vec::new(), active: false })
}
