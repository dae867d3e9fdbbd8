// WebAssembly SIMD (simd128) GEMM macro-kernels for @lowrank/linalg, compiled by scripts/build-wasm.mjs.
//
// The JavaScript driver (src/gemm-wasm.ts) packs op(A) and op(B) blocks into this module's memory in
// GotoBLAS order and calls a macro-kernel, which sweeps register-blocked micro-kernels over them:
//   packed A: panels of MR rows, element (row r, step p) at panel + (p * MR + r)
//   packed B: panels of NR columns, element (step p, col s) at panel + (p * NR + s)
//   C: row-major block with leading dimension ldc (elements); the kernel adds A·B into it.
// Panels are zero-padded, so micro-kernels never see ragged edges. All pointers are byte offsets.

// a * b + c per lane. The relaxed-SIMD build (scripts/build-wasm.mjs) emits one fused multiply-add
// instruction, which doubles the kernels' peak where the CPU has FMA; the baseline build multiplies
// then adds. Either way the micro-kernels below are the same source (binaryen -O3 inlines these).
function dmadd(a: v128, b: v128, c: v128): v128 {
  if (ASC_FEATURE_RELAXED_SIMD) return f64x2.relaxed_madd(a, b, c);
  return f64x2.add(c, f64x2.mul(a, b));
}

function smadd(a: v128, b: v128, c: v128): v128 {
  if (ASC_FEATURE_RELAXED_SIMD) return f32x4.relaxed_madd(a, b, c);
  return f32x4.add(c, f32x4.mul(a, b));
}

// One 2-vector row of a C tile: stored (overwrite) or added to what C holds.
function dputRow(c: usize, x0: v128, x1: v128, overwrite: i32): void {
  if (overwrite !== 0) {
    v128.store(c, x0);
    v128.store(c, x1, 16);
  } else {
    v128.store(c, f64x2.add(v128.load(c), x0));
    v128.store(c, f64x2.add(v128.load(c, 16), x1), 16);
  }
}

function sputRow(c: usize, x0: v128, x1: v128, overwrite: i32): void {
  if (overwrite !== 0) {
    v128.store(c, x0);
    v128.store(c, x1, 16);
  } else {
    v128.store(c, f32x4.add(v128.load(c), x0));
    v128.store(c, f32x4.add(v128.load(c, 16), x1), 16);
  }
}

// f64: MR = 4 rows x NR = 4 columns (2 f64x2 vectors per row, 8 accumulators).
export function dgemmBlock(
  mc: i32,
  nc: i32,
  kc: i32,
  ap: usize,
  bp: usize,
  cp: usize,
  ldc: i32,
  upperOnly: i32,
  diag: i32,
  overwrite: i32,
): void {
  const ldcBytes = (<usize>ldc) << 3;
  for (let jr = 0; jr < nc; jr += 4) {
    const bPanel = bp + ((<usize>(jr * kc)) << 3);
    for (let ir = 0; ir < mc; ir += 4) {
      // Tiles wholly below the diagonal are skipped for symmetric (Gram) products.
      if (upperOnly !== 0 && jr + 4 + diag <= ir) continue;
      dkernel4x4(
        kc,
        ap + ((<usize>(ir * kc)) << 3),
        bPanel,
        cp + <usize>ir * ldcBytes + ((<usize>jr) << 3),
        ldcBytes,
        overwrite,
      );
    }
  }
}

function dkernel4x4(kc: i32, a: usize, b: usize, c: usize, ldcBytes: usize, overwrite: i32): void {
  let c00 = f64x2.splat(0.0);
  let c01 = f64x2.splat(0.0);
  let c10 = f64x2.splat(0.0);
  let c11 = f64x2.splat(0.0);
  let c20 = f64x2.splat(0.0);
  let c21 = f64x2.splat(0.0);
  let c30 = f64x2.splat(0.0);
  let c31 = f64x2.splat(0.0);
  for (let p = 0; p < kc; p++) {
    const b0 = v128.load(b);
    const b1 = v128.load(b, 16);
    let x = v128.load64_splat(a);
    c00 = dmadd(x, b0, c00);
    c01 = dmadd(x, b1, c01);
    x = v128.load64_splat(a, 8);
    c10 = dmadd(x, b0, c10);
    c11 = dmadd(x, b1, c11);
    x = v128.load64_splat(a, 16);
    c20 = dmadd(x, b0, c20);
    c21 = dmadd(x, b1, c21);
    x = v128.load64_splat(a, 24);
    c30 = dmadd(x, b0, c30);
    c31 = dmadd(x, b1, c31);
    a += 32;
    b += 32;
  }
  // overwrite: the first k-block of a beta = 0 product, whose C's old contents are never read.
  dputRow(c, c00, c01, overwrite);
  c += ldcBytes;
  dputRow(c, c10, c11, overwrite);
  c += ldcBytes;
  dputRow(c, c20, c21, overwrite);
  c += ldcBytes;
  dputRow(c, c30, c31, overwrite);
}

// f32: MR = 4 rows x NR = 8 columns (2 f32x4 vectors per row, 8 accumulators).
export function sgemmBlock(
  mc: i32,
  nc: i32,
  kc: i32,
  ap: usize,
  bp: usize,
  cp: usize,
  ldc: i32,
  upperOnly: i32,
  diag: i32,
  overwrite: i32,
): void {
  const ldcBytes = (<usize>ldc) << 2;
  for (let jr = 0; jr < nc; jr += 8) {
    const bPanel = bp + ((<usize>(jr * kc)) << 2);
    for (let ir = 0; ir < mc; ir += 4) {
      if (upperOnly !== 0 && jr + 8 + diag <= ir) continue;
      skernel4x8(
        kc,
        ap + ((<usize>(ir * kc)) << 2),
        bPanel,
        cp + <usize>ir * ldcBytes + ((<usize>jr) << 2),
        ldcBytes,
        overwrite,
      );
    }
  }
}

function skernel4x8(kc: i32, a: usize, b: usize, c: usize, ldcBytes: usize, overwrite: i32): void {
  let c00 = f32x4.splat(0.0);
  let c01 = f32x4.splat(0.0);
  let c10 = f32x4.splat(0.0);
  let c11 = f32x4.splat(0.0);
  let c20 = f32x4.splat(0.0);
  let c21 = f32x4.splat(0.0);
  let c30 = f32x4.splat(0.0);
  let c31 = f32x4.splat(0.0);
  for (let p = 0; p < kc; p++) {
    const b0 = v128.load(b);
    const b1 = v128.load(b, 16);
    let x = v128.load32_splat(a);
    c00 = smadd(x, b0, c00);
    c01 = smadd(x, b1, c01);
    x = v128.load32_splat(a, 4);
    c10 = smadd(x, b0, c10);
    c11 = smadd(x, b1, c11);
    x = v128.load32_splat(a, 8);
    c20 = smadd(x, b0, c20);
    c21 = smadd(x, b1, c21);
    x = v128.load32_splat(a, 12);
    c30 = smadd(x, b0, c30);
    c31 = smadd(x, b1, c31);
    a += 16;
    b += 32;
  }
  // overwrite: the first k-block of a beta = 0 product, whose C's old contents are never read.
  sputRow(c, c00, c01, overwrite);
  c += ldcBytes;
  sputRow(c, c10, c11, overwrite);
  c += ldcBytes;
  sputRow(c, c20, c21, overwrite);
  c += ldcBytes;
  sputRow(c, c30, c31, overwrite);
}

// Variants reading A unpacked: row-major rows of A (leading dimension ldaBytes) copied into this
// memory with one memcpy per block, so only B is packed. Used when op(A) = A (rows contiguous).
export function dgemmBlockRowsA(
  mc: i32,
  nc: i32,
  kc: i32,
  a: usize,
  ldaBytes: usize,
  bp: usize,
  cp: usize,
  ldc: i32,
): void {
  const ldcBytes = (<usize>ldc) << 3;
  for (let jr = 0; jr < nc; jr += 4) {
    const bPanel = bp + ((<usize>(jr * kc)) << 3);
    for (let ir = 0; ir < mc; ir += 4) {
      dkernel4x4RowsA(
        kc,
        a + <usize>ir * ldaBytes,
        ldaBytes,
        bPanel,
        cp + <usize>ir * ldcBytes + ((<usize>jr) << 3),
        ldcBytes,
      );
    }
  }
}

function dkernel4x4RowsA(kc: i32, a: usize, lda: usize, b: usize, c: usize, ldcBytes: usize): void {
  let c00 = f64x2.splat(0.0);
  let c01 = f64x2.splat(0.0);
  let c10 = f64x2.splat(0.0);
  let c11 = f64x2.splat(0.0);
  let c20 = f64x2.splat(0.0);
  let c21 = f64x2.splat(0.0);
  let c30 = f64x2.splat(0.0);
  let c31 = f64x2.splat(0.0);
  const a1 = a + lda;
  const a2 = a1 + lda;
  const a3 = a2 + lda;
  for (let p: usize = 0; p < (<usize>kc) << 3; p += 8) {
    const b0 = v128.load(b);
    const b1 = v128.load(b, 16);
    let x = v128.load64_splat(a + p);
    c00 = dmadd(x, b0, c00);
    c01 = dmadd(x, b1, c01);
    x = v128.load64_splat(a1 + p);
    c10 = dmadd(x, b0, c10);
    c11 = dmadd(x, b1, c11);
    x = v128.load64_splat(a2 + p);
    c20 = dmadd(x, b0, c20);
    c21 = dmadd(x, b1, c21);
    x = v128.load64_splat(a3 + p);
    c30 = dmadd(x, b0, c30);
    c31 = dmadd(x, b1, c31);
    b += 32;
  }
  v128.store(c, f64x2.add(v128.load(c), c00));
  v128.store(c, f64x2.add(v128.load(c, 16), c01), 16);
  c += ldcBytes;
  v128.store(c, f64x2.add(v128.load(c), c10));
  v128.store(c, f64x2.add(v128.load(c, 16), c11), 16);
  c += ldcBytes;
  v128.store(c, f64x2.add(v128.load(c), c20));
  v128.store(c, f64x2.add(v128.load(c, 16), c21), 16);
  c += ldcBytes;
  v128.store(c, f64x2.add(v128.load(c), c30));
  v128.store(c, f64x2.add(v128.load(c, 16), c31), 16);
}

export function sgemmBlockRowsA(
  mc: i32,
  nc: i32,
  kc: i32,
  a: usize,
  ldaBytes: usize,
  bp: usize,
  cp: usize,
  ldc: i32,
): void {
  const ldcBytes = (<usize>ldc) << 2;
  for (let jr = 0; jr < nc; jr += 8) {
    const bPanel = bp + ((<usize>(jr * kc)) << 2);
    for (let ir = 0; ir < mc; ir += 4) {
      skernel4x8RowsA(
        kc,
        a + <usize>ir * ldaBytes,
        ldaBytes,
        bPanel,
        cp + <usize>ir * ldcBytes + ((<usize>jr) << 2),
        ldcBytes,
      );
    }
  }
}

function skernel4x8RowsA(kc: i32, a: usize, lda: usize, b: usize, c: usize, ldcBytes: usize): void {
  let c00 = f32x4.splat(0.0);
  let c01 = f32x4.splat(0.0);
  let c10 = f32x4.splat(0.0);
  let c11 = f32x4.splat(0.0);
  let c20 = f32x4.splat(0.0);
  let c21 = f32x4.splat(0.0);
  let c30 = f32x4.splat(0.0);
  let c31 = f32x4.splat(0.0);
  const a1 = a + lda;
  const a2 = a1 + lda;
  const a3 = a2 + lda;
  for (let p: usize = 0; p < (<usize>kc) << 2; p += 4) {
    const b0 = v128.load(b);
    const b1 = v128.load(b, 16);
    let x = v128.load32_splat(a + p);
    c00 = smadd(x, b0, c00);
    c01 = smadd(x, b1, c01);
    x = v128.load32_splat(a1 + p);
    c10 = smadd(x, b0, c10);
    c11 = smadd(x, b1, c11);
    x = v128.load32_splat(a2 + p);
    c20 = smadd(x, b0, c20);
    c21 = smadd(x, b1, c21);
    x = v128.load32_splat(a3 + p);
    c30 = smadd(x, b0, c30);
    c31 = smadd(x, b1, c31);
    b += 32;
  }
  v128.store(c, f32x4.add(v128.load(c), c00));
  v128.store(c, f32x4.add(v128.load(c, 16), c01), 16);
  c += ldcBytes;
  v128.store(c, f32x4.add(v128.load(c), c10));
  v128.store(c, f32x4.add(v128.load(c, 16), c11), 16);
  c += ldcBytes;
  v128.store(c, f32x4.add(v128.load(c), c20));
  v128.store(c, f32x4.add(v128.load(c, 16), c21), 16);
  c += ldcBytes;
  v128.store(c, f32x4.add(v128.load(c), c30));
  v128.store(c, f32x4.add(v128.load(c, 16), c31), 16);
}

// Packs columns [i0, i0 + mc) (mc a multiple of 4) of kc stored rows (leading dimension ld elements)
// into 4-row panels of op(A) = A^T: the stored rows are read sequentially, 32 bytes at a time.
export function dpackTransposedA(src: usize, ld: i32, i0: i32, mc: i32, kc: i32, dst: usize): void {
  const panelBytes = (<usize>(4 * kc)) << 3;
  for (let kk = 0; kk < kc; kk++) {
    let s = src + ((<usize>(kk * ld + i0)) << 3);
    let q = dst + ((<usize>(kk * 4)) << 3);
    for (let ir = 0; ir < mc; ir += 4) {
      v128.store(q, v128.load(s));
      v128.store(q, v128.load(s, 16), 16);
      s += 32;
      q += panelBytes;
    }
  }
}

export function spackTransposedA(src: usize, ld: i32, i0: i32, mc: i32, kc: i32, dst: usize): void {
  const panelBytes = (<usize>(4 * kc)) << 2;
  for (let kk = 0; kk < kc; kk++) {
    let s = src + ((<usize>(kk * ld + i0)) << 2);
    let q = dst + ((<usize>(kk * 4)) << 2);
    for (let ir = 0; ir < mc; ir += 4) {
      v128.store(q, v128.load(s));
      s += 16;
      q += panelBytes;
    }
  }
}

export { dluRows } from './lu-panels';
