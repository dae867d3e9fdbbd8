// Whole-GEMM driver (packing + macro-kernels) for the multi-threaded path, compiled by
// scripts/build-wasm.mjs against an imported SHARED memory. Every thread instantiates this module on
// the same memory, where the operands were copied once; each computes its own band of C rows
// [rowStart, rowEnd) into a padded C buffer, packing into its own workspace `ws`.
// Pointers are byte offsets; strides and sizes are in elements.
import { dgemmBlock, sgemmBlock } from './gemm-kernels';

const MR = 4;
const KC = 256;
const MC = 128;
const NC = 1024;

function minI(a: i32, b: i32): i32 {
  return a < b ? a : b;
}

/**
 * Four source rows that run along k (s, s + rowBytes, ...), written as kc groups of four
 * (step kk's group at dst + kk * dstStep): the transposing copy that packing a k-contiguous
 * operand needs, two (f64) or four (f32) steps per vector load instead of one scalar each.
 */
function packFourRowsAlongK<T>(s: usize, rowBytes: usize, kc: i32, dst: usize, dstStep: usize): void {
  const s1 = s + rowBytes;
  const s2 = s1 + rowBytes;
  const s3 = s2 + rowBytes;
  let kk = 0;
  if (sizeof<T>() === 8) {
    for (; kk + 2 <= kc; kk += 2) {
      const o = (<usize>kk) << 3;
      const x0 = v128.load(s + o);
      const x1 = v128.load(s1 + o);
      const x2 = v128.load(s2 + o);
      const x3 = v128.load(s3 + o);
      const d = dst + <usize>kk * dstStep;
      v128.store(d, v128.shuffle<f64>(x0, x1, 0, 2));
      v128.store(d, v128.shuffle<f64>(x2, x3, 0, 2), 16);
      v128.store(d + dstStep, v128.shuffle<f64>(x0, x1, 1, 3));
      v128.store(d + dstStep, v128.shuffle<f64>(x2, x3, 1, 3), 16);
    }
  } else {
    for (; kk + 4 <= kc; kk += 4) {
      const o = (<usize>kk) << 2;
      const x0 = v128.load(s + o);
      const x1 = v128.load(s1 + o);
      const x2 = v128.load(s2 + o);
      const x3 = v128.load(s3 + o);
      const t0 = v128.shuffle<f32>(x0, x1, 0, 4, 1, 5);
      const t1 = v128.shuffle<f32>(x2, x3, 0, 4, 1, 5);
      const t2 = v128.shuffle<f32>(x0, x1, 2, 6, 3, 7);
      const t3 = v128.shuffle<f32>(x2, x3, 2, 6, 3, 7);
      const d = dst + <usize>kk * dstStep;
      v128.store(d, v128.shuffle<f64>(t0, t1, 0, 2));
      v128.store(d + dstStep, v128.shuffle<f64>(t0, t1, 1, 3));
      v128.store(d + 2 * dstStep, v128.shuffle<f64>(t2, t3, 0, 2));
      v128.store(d + 3 * dstStep, v128.shuffle<f64>(t2, t3, 1, 3));
    }
  }
  const sz = <usize>sizeof<T>();
  for (; kk < kc; kk++) {
    const o = <usize>kk * sz;
    const d = dst + <usize>kk * dstStep;
    store<T>(d, load<T>(s + o));
    store<T>(d + sz, load<T>(s1 + o));
    store<T>(d + 2 * sz, load<T>(s2 + o));
    store<T>(d + 3 * sz, load<T>(s3 + o));
  }
}

function packA<T>(a: usize, rsA: i32, csA: i32, i0: i32, mc: i32, p0: i32, kc: i32, dst: usize): void {
  const sz = <usize>sizeof<T>();
  const mcPad = (mc + 3) & ~3;
  if (csA === 1 && mc === mcPad) {
    // Rows of op(A) run along k (A itself, row-major): four rows at a time, transposed.
    for (let ir = 0; ir < mc; ir += MR) {
      const s = a + <usize>((i0 + ir) * rsA + p0) * sz;
      packFourRowsAlongK<T>(s, <usize>rsA * sz, kc, dst + <usize>(ir * kc) * sz, <usize>MR * sz);
    }
    return;
  }
  if (rsA === 1 && mc === mcPad) {
    // op(A) = A^T: each stored row of A is walked sequentially, 4 entries (one panel row) at a time.
    for (let kk = 0; kk < kc; kk++) {
      let s = a + <usize>(i0 + (p0 + kk) * csA) * sz;
      let q = dst + <usize>(kk * MR) * sz;
      const panelBytes = <usize>(MR * kc) * sz;
      for (let ir = 0; ir < mc; ir += MR) {
        v128.store(q, v128.load(s));
        if (sz === 8) v128.store(q, v128.load(s, 16), 16);
        s += <usize>MR * sz;
        q += panelBytes;
      }
    }
    return;
  }
  for (let ir = 0; ir < mcPad; ir += MR) {
    const q = dst + <usize>(ir * kc) * sz;
    for (let r = 0; r < MR; r++) {
      const row = ir + r;
      if (row < mc) {
        let s = a + <usize>((i0 + row) * rsA + p0 * csA) * sz;
        const step = <usize>csA * sz;
        for (let kk = 0; kk < kc; kk++) {
          store<T>(q + <usize>(kk * MR + r) * sz, load<T>(s));
          s += step;
        }
      } else {
        for (let kk = 0; kk < kc; kk++) store<T>(q + <usize>(kk * MR + r) * sz, <T>0);
      }
    }
  }
}

function packB<T>(
  b: usize,
  rsB: i32,
  csB: i32,
  p0: i32,
  kc: i32,
  j0: i32,
  nc: i32,
  nr: i32,
  dst: usize,
): void {
  const sz = <usize>sizeof<T>();
  for (let jr = 0; jr < nc; jr += nr) {
    const cols = minI(nr, nc - jr);
    const q = dst + <usize>(jr * kc) * sz;
    if (rsB === 1 && cols === nr) {
      // Columns of op(B) run along k (B = X^T of a row-major X): four columns at a time, transposed.
      const colBytes = <usize>csB * sz;
      const s = b + <usize>(p0 + (j0 + jr) * csB) * sz;
      for (let half = 0; half < nr; half += 4)
        packFourRowsAlongK<T>(s + <usize>half * colBytes, colBytes, kc, q + <usize>half * sz, <usize>nr * sz);
    } else if (csB === 1 && cols === nr) {
      // Rows of op(B) are contiguous: one 32-byte panel row per step.
      let s = b + <usize>(p0 * rsB + j0 + jr) * sz;
      const step = <usize>rsB * sz;
      let d = q;
      for (let kk = 0; kk < kc; kk++) {
        v128.store(d, v128.load(s));
        v128.store(d, v128.load(s, 16), 16);
        s += step;
        d += 32;
      }
    } else {
      for (let t = 0; t < nr; t++) {
        if (t < cols) {
          let s = b + <usize>(p0 * rsB + (j0 + jr + t) * csB) * sz;
          const step = <usize>rsB * sz;
          for (let kk = 0; kk < kc; kk++) {
            store<T>(q + <usize>(kk * nr + t) * sz, load<T>(s));
            s += step;
          }
        } else {
          for (let kk = 0; kk < kc; kk++) store<T>(q + <usize>(kk * nr + t) * sz, <T>0);
        }
      }
    }
  }
}

function gemmRows<T>(
  rowStart: i32,
  rowEnd: i32,
  n: i32,
  k: i32,
  a: usize,
  rsA: i32,
  csA: i32,
  b: usize,
  rsB: i32,
  csB: i32,
  c: usize,
  ldc: i32,
  upperOnly: i32,
  ws: usize,
  overwrite: i32,
  aPacked: usize = 0,
): void {
  const sz = <usize>sizeof<T>();
  const nr: i32 = sz === 8 ? 4 : 8;
  const ap = ws;
  // A packed beforehand by dpackAllA (rows from 0): block (pc, ic) is read there, not packed again.
  const mBlocks = (rowEnd + MC - 1) / MC;
  const bp = ws + <usize>(MC * KC) * sz;
  const gramReuse = upperOnly !== 0 && sz === 8 && a === b && rsA === csB && csA === rsB;
  for (let jc = 0; jc < n; jc += NC) {
    const nc = minI(NC, n - jc);
    const ncPad = ((nc + nr - 1) / nr) * nr;
    if (upperOnly !== 0 && jc + ncPad <= rowStart) continue;
    for (let pc = 0; pc < k; pc += KC) {
      const kc = minI(KC, k - pc);
      packB<T>(b, rsB, csB, pc, kc, jc, nc, nr, bp);
      for (let ic = rowStart; ic < rowEnd; ic += MC) {
        const mc = minI(MC, rowEnd - ic);
        if (upperOnly !== 0 && jc + ncPad <= ic) continue;
        const mcPad = (mc + 3) & ~3;
        // Symmetric product X X^T (a Gram): op(A)'s rows ic.. are op(B)'s columns ic.., which are
        // already packed in the same panel layout when MR = NR (f64), so A needs no packing.
        let panelA = ap;
        if (aPacked !== 0) panelA = aPacked + <usize>((pc / KC) * mBlocks + ic / MC) * <usize>(MC * KC) * sz;
        else if (gramReuse && ic >= jc && ic + mcPad <= jc + ncPad)
          panelA = bp + <usize>((ic - jc) * kc) * sz;
        else packA<T>(a, rsA, csA, ic, mc, pc, kc, ap);
        const cb = c + (<usize>ic * <usize>ldc + <usize>jc) * sz;
        // overwrite: C was not cleared (beta = 0), so the first k-block stores instead of adding.
        const first = overwrite !== 0 && pc === 0 ? 1 : 0;
        if (sz === 8) dgemmBlock(mcPad, ncPad, kc, panelA, bp, cb, ldc, upperOnly, jc - ic, first);
        else sgemmBlock(mcPad, ncPad, kc, panelA, bp, cb, ldc, upperOnly, jc - ic, first);
      }
    }
  }
}

export function dgemmRows(
  rowStart: i32,
  rowEnd: i32,
  n: i32,
  k: i32,
  a: usize,
  rsA: i32,
  csA: i32,
  b: usize,
  rsB: i32,
  csB: i32,
  c: usize,
  ldc: i32,
  upperOnly: i32,
  ws: usize,
  overwrite: i32,
): void {
  gemmRows<f64>(rowStart, rowEnd, n, k, a, rsA, csA, b, rsB, csB, c, ldc, upperOnly, ws, overwrite);
}

export function sgemmRows(
  rowStart: i32,
  rowEnd: i32,
  n: i32,
  k: i32,
  a: usize,
  rsA: i32,
  csA: i32,
  b: usize,
  rsB: i32,
  csB: i32,
  c: usize,
  ldc: i32,
  upperOnly: i32,
  ws: usize,
  overwrite: i32,
): void {
  gemmRows<f32>(rowStart, rowEnd, n, k, a, rsA, csA, b, rsB, csB, c, ldc, upperOnly, ws, overwrite);
}

// Dynamically scheduled float64 products. On a shared VM one thread is often slower than the
// other for seconds at a time (measured: the calling thread waited 170-870 ms for the worker in
// 1.5-2.9 s products with fixed halves), so the threads claim units of work from a counter in the
// shared memory until none are left. Each unit's result is independent of which thread ran it,
// so the products stay bit-for-bit reproducible.

/**
 * Packs all of A (m x k) as gemmRows would, block (pc, ic) at dst + ((pc / KC) * mBlocks + ic / MC)
 * * MC * KC elements, so that column units need not pack it again.
 */
export function dpackAllA(a: usize, rsA: i32, csA: i32, m: i32, k: i32, dst: usize): void {
  const mBlocks = (m + MC - 1) / MC;
  for (let pc = 0; pc < k; pc += KC) {
    const kc = minI(KC, k - pc);
    for (let ic = 0; ic < m; ic += MC) {
      const block = <usize>((pc / KC) * mBlocks + ic / MC) * <usize>(MC * KC);
      packA<f64>(a, rsA, csA, ic, minI(MC, m - ic), pc, kc, dst + (block << 3));
    }
  }
}

/**
 * C = A B (overwrite) or C += A B by units of `unitCols` columns of B and C, claimed from the i32
 * counter at `counter`; A comes packed by dpackAllA. Workspace: as gemmRows' (its B panel is used).
 */
export function dgemmColumnUnits(
  counter: usize,
  unitCols: i32,
  m: i32,
  n: i32,
  k: i32,
  aPacked: usize,
  b: usize,
  rsB: i32,
  csB: i32,
  c: usize,
  ldc: i32,
  ws: usize,
  overwrite: i32,
): void {
  for (;;) {
    const j0 = atomic.add<i32>(counter, 1) * unitCols;
    if (j0 >= n) break;
    const cols = minI(unitCols, n - j0);
    const bShift = (<usize>j0 * <usize>csB) << 3;
    gemmRows<f64>(
      0,
      m,
      cols,
      k,
      0,
      0,
      0,
      b + bShift,
      rsB,
      csB,
      c + ((<usize>j0) << 3),
      ldc,
      0,
      ws,
      overwrite,
      aPacked,
    );
  }
}

/**
 * Partial products over `units` equal slices of the depth k, claimed from the i32 counter at
 * `counter`: slice u's A B goes to its own m x ldc partial at partials + u m ldc (stored, not
 * added; with upperOnly only its upper tiles). The caller sums the partials in slice order, so the
 * result does not depend on which thread took which slice. Workspace: as gemmRows'.
 */
export function dgemmDepthUnits(
  counter: usize,
  units: i32,
  m: i32,
  n: i32,
  k: i32,
  a: usize,
  rsA: i32,
  csA: i32,
  b: usize,
  rsB: i32,
  csB: i32,
  partials: usize,
  ldc: i32,
  upperOnly: i32,
  ws: usize,
): void {
  const partialBytes = (<usize>((m + 3) & ~3) * <usize>ldc) << 3;
  for (;;) {
    const u = atomic.add<i32>(counter, 1);
    if (u >= units) break;
    const p0 = <i32>((<i64>k * u) / units);
    const p1 = <i32>((<i64>k * (u + 1)) / units);
    if (p1 <= p0) continue;
    const aShift = (<usize>p0 * <usize>csA) << 3;
    const bShift = (<usize>p0 * <usize>rsB) << 3;
    gemmRows<f64>(
      0,
      m,
      n,
      p1 - p0,
      a + aShift,
      rsA,
      csA,
      b + bShift,
      rsB,
      csB,
      partials + <usize>u * partialBytes,
      ldc,
      upperOnly,
      ws,
      1,
    );
  }
}

// Faulting in a fresh matrix's pages on every thread (prefaultKernelMatrix).
export { fillZeroUnits } from './page-touch';
// Sums of squares by units (sumOfSquares: a matrix's squared norm, and its finite check).
export { sumOfSquaresUnits } from './sum-of-squares';
// Householder tridiagonalization's symmetric product, rows split between the same threads.
export { panelCorrections, panelRowUpdate, symmetricUpperRows } from './symmetric-product';
