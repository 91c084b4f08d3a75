;; The relaxed-SIMD kernels of the core: the GEMM micro-kernel with fused multiply-adds
;; (f32x4.relaxed_madd) and the FMA ceiling it is measured against. A second module because Rust 1.63
;; (LLVM 14) cannot emit relaxed-SIMD opcodes. It owns no memory: it imports the core's (both modules
;; import one WebAssembly.Memory), and the core imports `gemm_tile` and calls it for each tile of a
;; packed block (crate/src/gemm/relaxed.rs), so a call costs one wasm-to-wasm call per MR×NR tile.
;; Assembled by scripts/build-relaxed.mjs (npm wabt) into ts/wasm/modeconn_relaxed.wasm.
(module
  (import "env" "memory" (memory 0))

  ;; gemm_tile(kb, a, b, c, ldc, flags, beta, bias): one 4×8 tile of op(A)·op(B) (MR = 4, NR = 8).
  ;; a: the packed A panel, element (i, p) at a + 4·(4p + i); b: the packed B panel, element (p, j)
  ;; at b + 4·(8p + j); kb ≥ 1. acc[i][j] = Σ_p a(i,p)·b(p,j), one fused multiply-add per p, p from 0
  ;; up, starting at 0. Row i of the tile is written at c + i·ldc (bytes), merged as
  ;; crate/src/gemm/kernel.rs's `store_full` merges (the same operations in the same order):
  ;;   flags & 1  LOAD_C    v = old + acc, or beta·old + acc when flags & 2 (SCALE_C)
  ;;   flags & 4  BIAS_COL  v += bias[4j .. 4j + 4]  (bias points at the tile's first column)
  ;;   flags & 8  BIAS_ROW  v += bias[i]             (bias points at the tile's first row)
  ;;   flags & 16 RELU      v = pmax(v, 0)
  ;; flags = 0 with ldc = 32 writes the raw accumulators, which the core merges for edge tiles.
  (func (export "gemm_tile")
    (param $kb i32) (param $a i32) (param $b i32) (param $c i32) (param $ldc i32)
    (param $flags i32) (param $beta f32) (param $bias i32)
    (local $c00 v128) (local $c01 v128) (local $c10 v128) (local $c11 v128)
    (local $c20 v128) (local $c21 v128) (local $c30 v128) (local $c31 v128)
    (local $b0 v128) (local $b1 v128) (local $x v128)
    (local $v0 v128) (local $v1 v128) (local $o0 v128) (local $o1 v128) (local $s v128) (local $at i32)
    ;; One step per p: two B vectors, then each row's A value splatted and fused into its two
    ;; accumulators. 8 accumulators + 2 B vectors + the splats (V8 hoists the four loads of a step)
    ;; take 14 of the 15 xmm registers V8 allocates on x64, so nothing spills; unrolling would.
    (loop $step
      (local.set $b0 (v128.load (local.get $b)))
      (local.set $b1 (v128.load offset=16 (local.get $b)))
      (local.set $x (v128.load32_splat (local.get $a)))
      (local.set $c00 (f32x4.relaxed_madd (local.get $x) (local.get $b0) (local.get $c00)))
      (local.set $c01 (f32x4.relaxed_madd (local.get $x) (local.get $b1) (local.get $c01)))
      (local.set $x (v128.load32_splat offset=4 (local.get $a)))
      (local.set $c10 (f32x4.relaxed_madd (local.get $x) (local.get $b0) (local.get $c10)))
      (local.set $c11 (f32x4.relaxed_madd (local.get $x) (local.get $b1) (local.get $c11)))
      (local.set $x (v128.load32_splat offset=8 (local.get $a)))
      (local.set $c20 (f32x4.relaxed_madd (local.get $x) (local.get $b0) (local.get $c20)))
      (local.set $c21 (f32x4.relaxed_madd (local.get $x) (local.get $b1) (local.get $c21)))
      (local.set $x (v128.load32_splat offset=12 (local.get $a)))
      (local.set $c30 (f32x4.relaxed_madd (local.get $x) (local.get $b0) (local.get $c30)))
      (local.set $c31 (f32x4.relaxed_madd (local.get $x) (local.get $b1) (local.get $c31)))
      (local.set $a (i32.add (local.get $a) (i32.const 16)))
      (local.set $b (i32.add (local.get $b) (i32.const 32)))
      (br_if $step (local.tee $kb (i32.sub (local.get $kb) (i32.const 1)))))
    ;; The merge, written out row by row: a call here would keep the accumulators live across it,
    ;; and V8 then spills them on every step of the loop above (measured: 2.5× slower).
    (local.set $s (f32x4.splat (local.get $beta)))
    ;; row 0
    (local.set $at (local.get $c))
    (local.set $v0 (local.get $c00))
    (local.set $v1 (local.get $c01))
    (if (i32.and (local.get $flags) (i32.const 1))
      (then
        (local.set $o0 (v128.load (local.get $at)))
        (local.set $o1 (v128.load offset=16 (local.get $at)))
        (if (i32.and (local.get $flags) (i32.const 2))
          (then
            (local.set $o0 (f32x4.mul (local.get $s) (local.get $o0)))
            (local.set $o1 (f32x4.mul (local.get $s) (local.get $o1)))))
        (local.set $v0 (f32x4.add (local.get $o0) (local.get $v0)))
        (local.set $v1 (f32x4.add (local.get $o1) (local.get $v1)))))
    (if (i32.and (local.get $flags) (i32.const 4))
      (then
        (local.set $v0 (f32x4.add (local.get $v0) (v128.load (local.get $bias))))
        (local.set $v1 (f32x4.add (local.get $v1) (v128.load offset=16 (local.get $bias))))))
    (if (i32.and (local.get $flags) (i32.const 8))
      (then
        (local.set $o0 (v128.load32_splat offset=0 (local.get $bias)))
        (local.set $v0 (f32x4.add (local.get $v0) (local.get $o0)))
        (local.set $v1 (f32x4.add (local.get $v1) (local.get $o0)))))
    (if (i32.and (local.get $flags) (i32.const 16))
      (then
        (local.set $v0 (f32x4.pmax (local.get $v0) (v128.const f32x4 0 0 0 0)))
        (local.set $v1 (f32x4.pmax (local.get $v1) (v128.const f32x4 0 0 0 0)))))
    (v128.store (local.get $at) (local.get $v0))
    (v128.store offset=16 (local.get $at) (local.get $v1))
    ;; row 1
    (local.set $at (i32.add (local.get $c) (i32.mul (local.get $ldc) (i32.const 1))))
    (local.set $v0 (local.get $c10))
    (local.set $v1 (local.get $c11))
    (if (i32.and (local.get $flags) (i32.const 1))
      (then
        (local.set $o0 (v128.load (local.get $at)))
        (local.set $o1 (v128.load offset=16 (local.get $at)))
        (if (i32.and (local.get $flags) (i32.const 2))
          (then
            (local.set $o0 (f32x4.mul (local.get $s) (local.get $o0)))
            (local.set $o1 (f32x4.mul (local.get $s) (local.get $o1)))))
        (local.set $v0 (f32x4.add (local.get $o0) (local.get $v0)))
        (local.set $v1 (f32x4.add (local.get $o1) (local.get $v1)))))
    (if (i32.and (local.get $flags) (i32.const 4))
      (then
        (local.set $v0 (f32x4.add (local.get $v0) (v128.load (local.get $bias))))
        (local.set $v1 (f32x4.add (local.get $v1) (v128.load offset=16 (local.get $bias))))))
    (if (i32.and (local.get $flags) (i32.const 8))
      (then
        (local.set $o0 (v128.load32_splat offset=4 (local.get $bias)))
        (local.set $v0 (f32x4.add (local.get $v0) (local.get $o0)))
        (local.set $v1 (f32x4.add (local.get $v1) (local.get $o0)))))
    (if (i32.and (local.get $flags) (i32.const 16))
      (then
        (local.set $v0 (f32x4.pmax (local.get $v0) (v128.const f32x4 0 0 0 0)))
        (local.set $v1 (f32x4.pmax (local.get $v1) (v128.const f32x4 0 0 0 0)))))
    (v128.store (local.get $at) (local.get $v0))
    (v128.store offset=16 (local.get $at) (local.get $v1))
    ;; row 2
    (local.set $at (i32.add (local.get $c) (i32.mul (local.get $ldc) (i32.const 2))))
    (local.set $v0 (local.get $c20))
    (local.set $v1 (local.get $c21))
    (if (i32.and (local.get $flags) (i32.const 1))
      (then
        (local.set $o0 (v128.load (local.get $at)))
        (local.set $o1 (v128.load offset=16 (local.get $at)))
        (if (i32.and (local.get $flags) (i32.const 2))
          (then
            (local.set $o0 (f32x4.mul (local.get $s) (local.get $o0)))
            (local.set $o1 (f32x4.mul (local.get $s) (local.get $o1)))))
        (local.set $v0 (f32x4.add (local.get $o0) (local.get $v0)))
        (local.set $v1 (f32x4.add (local.get $o1) (local.get $v1)))))
    (if (i32.and (local.get $flags) (i32.const 4))
      (then
        (local.set $v0 (f32x4.add (local.get $v0) (v128.load (local.get $bias))))
        (local.set $v1 (f32x4.add (local.get $v1) (v128.load offset=16 (local.get $bias))))))
    (if (i32.and (local.get $flags) (i32.const 8))
      (then
        (local.set $o0 (v128.load32_splat offset=8 (local.get $bias)))
        (local.set $v0 (f32x4.add (local.get $v0) (local.get $o0)))
        (local.set $v1 (f32x4.add (local.get $v1) (local.get $o0)))))
    (if (i32.and (local.get $flags) (i32.const 16))
      (then
        (local.set $v0 (f32x4.pmax (local.get $v0) (v128.const f32x4 0 0 0 0)))
        (local.set $v1 (f32x4.pmax (local.get $v1) (v128.const f32x4 0 0 0 0)))))
    (v128.store (local.get $at) (local.get $v0))
    (v128.store offset=16 (local.get $at) (local.get $v1))
    ;; row 3
    (local.set $at (i32.add (local.get $c) (i32.mul (local.get $ldc) (i32.const 3))))
    (local.set $v0 (local.get $c30))
    (local.set $v1 (local.get $c31))
    (if (i32.and (local.get $flags) (i32.const 1))
      (then
        (local.set $o0 (v128.load (local.get $at)))
        (local.set $o1 (v128.load offset=16 (local.get $at)))
        (if (i32.and (local.get $flags) (i32.const 2))
          (then
            (local.set $o0 (f32x4.mul (local.get $s) (local.get $o0)))
            (local.set $o1 (f32x4.mul (local.get $s) (local.get $o1)))))
        (local.set $v0 (f32x4.add (local.get $o0) (local.get $v0)))
        (local.set $v1 (f32x4.add (local.get $o1) (local.get $v1)))))
    (if (i32.and (local.get $flags) (i32.const 4))
      (then
        (local.set $v0 (f32x4.add (local.get $v0) (v128.load (local.get $bias))))
        (local.set $v1 (f32x4.add (local.get $v1) (v128.load offset=16 (local.get $bias))))))
    (if (i32.and (local.get $flags) (i32.const 8))
      (then
        (local.set $o0 (v128.load32_splat offset=12 (local.get $bias)))
        (local.set $v0 (f32x4.add (local.get $v0) (local.get $o0)))
        (local.set $v1 (f32x4.add (local.get $v1) (local.get $o0)))))
    (if (i32.and (local.get $flags) (i32.const 16))
      (then
        (local.set $v0 (f32x4.pmax (local.get $v0) (v128.const f32x4 0 0 0 0)))
        (local.set $v1 (f32x4.pmax (local.get $v1) (v128.const f32x4 0 0 0 0)))))
    (v128.store (local.get $at) (local.get $v0))
    (v128.store offset=16 (local.get $at) (local.get $v1))
  )

  ;; fma_peak(iters): the FMA ceiling GEMM throughput is reported against — `iters` rounds of 12
  ;; independent chains x = x·0.5 + 0.5 (96 FLOPs a round, no memory traffic; every chain tends to 1,
  ;; so no value overflows or goes subnormal). The constants come from a parameter so V8 cannot fold
  ;; them; the chains start apart. Returns lane 0 of the sum of the chains so nothing is dead.
  (func (export "fma_peak") (param $iters i32) (param $half f32) (result f32)
    (local $h v128)
    (local $x0 v128) (local $x1 v128) (local $x2 v128) (local $x3 v128) (local $x4 v128) (local $x5 v128)
    (local $x6 v128) (local $x7 v128) (local $x8 v128) (local $x9 v128) (local $x10 v128) (local $x11 v128)
    (local.set $h (f32x4.splat (local.get $half)))
    (local.set $x0 (v128.const f32x4 1 2 3 4))
    (local.set $x1 (v128.const f32x4 5 6 7 8))
    (local.set $x2 (v128.const f32x4 9 10 11 12))
    (local.set $x3 (v128.const f32x4 13 14 15 16))
    (local.set $x4 (v128.const f32x4 17 18 19 20))
    (local.set $x5 (v128.const f32x4 21 22 23 24))
    (local.set $x6 (v128.const f32x4 25 26 27 28))
    (local.set $x7 (v128.const f32x4 29 30 31 32))
    (local.set $x8 (v128.const f32x4 33 34 35 36))
    (local.set $x9 (v128.const f32x4 37 38 39 40))
    (local.set $x10 (v128.const f32x4 41 42 43 44))
    (local.set $x11 (v128.const f32x4 45 46 47 48))
    (block $done
      (br_if $done (i32.eqz (local.get $iters)))
      (loop $round
        (local.set $x0 (f32x4.relaxed_madd (local.get $x0) (local.get $h) (local.get $h)))
        (local.set $x1 (f32x4.relaxed_madd (local.get $x1) (local.get $h) (local.get $h)))
        (local.set $x2 (f32x4.relaxed_madd (local.get $x2) (local.get $h) (local.get $h)))
        (local.set $x3 (f32x4.relaxed_madd (local.get $x3) (local.get $h) (local.get $h)))
        (local.set $x4 (f32x4.relaxed_madd (local.get $x4) (local.get $h) (local.get $h)))
        (local.set $x5 (f32x4.relaxed_madd (local.get $x5) (local.get $h) (local.get $h)))
        (local.set $x6 (f32x4.relaxed_madd (local.get $x6) (local.get $h) (local.get $h)))
        (local.set $x7 (f32x4.relaxed_madd (local.get $x7) (local.get $h) (local.get $h)))
        (local.set $x8 (f32x4.relaxed_madd (local.get $x8) (local.get $h) (local.get $h)))
        (local.set $x9 (f32x4.relaxed_madd (local.get $x9) (local.get $h) (local.get $h)))
        (local.set $x10 (f32x4.relaxed_madd (local.get $x10) (local.get $h) (local.get $h)))
        (local.set $x11 (f32x4.relaxed_madd (local.get $x11) (local.get $h) (local.get $h)))
        (br_if $round (local.tee $iters (i32.sub (local.get $iters) (i32.const 1))))))
    (f32x4.extract_lane 0
      (f32x4.add
        (f32x4.add
          (f32x4.add (f32x4.add (local.get $x0) (local.get $x1)) (f32x4.add (local.get $x2) (local.get $x3)))
          (f32x4.add (f32x4.add (local.get $x4) (local.get $x5)) (f32x4.add (local.get $x6) (local.get $x7))))
        (f32x4.add (f32x4.add (local.get $x8) (local.get $x9)) (f32x4.add (local.get $x10) (local.get $x11)))))))
