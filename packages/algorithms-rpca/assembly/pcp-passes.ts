// The element-wise passes of principal component pursuit (inexact ALM) in WebAssembly SIMD: robust
// PCA's threaded kernel module (built by the repository's scripts/build-threaded-kernel.mjs), which
// @lowrank/linalg runs on its worker threads over its shared kernel memory, where the four matrices
// live. Same arithmetic, in the same order per entry, as the JavaScript passes in
// src/pcp-kernels.ts, which remain the fallback.
// Pointers are byte offsets of float64 arrays; [start, end) are element indices, start even.
// Each pass stores its partial results at `out` as two f64: [sum of squares, non-zero count]
// (pcpStart: [sum of squares, largest absolute entry]).
//
// The dual variable Y is never stored: with T = M - E + Y/mu (the SVD input) kept, the ALM update
// Y' = Y + mu (M - L - E) gives Y'/mu' = (T - L) mu / mu' (see src/pcp-kernels.ts).

// soft(v, t) = v - clamp(v, -t, t): v - t above t, v + t below -t, exactly 0 between.
function softThreshold2(v: v128, t: v128, negT: v128): v128 {
  return f64x2.sub(v, f64x2.pmax(negT, f64x2.pmin(t, v)));
}

// Lanes of e that are non-zero, as 0 or 1 each, summed.
function nonZeroLanes(e: v128): i32 {
  const zero = f64x2.eq(e, f64x2.splat(0.0));
  return 2 - popcnt<i32>(i64x2.bitmask(zero));
}

function softThreshold1(v: f64, t: f64): f64 {
  if (v > t) return v - t;
  if (v < -t) return v + t;
  return 0.0;
}

/**
 * The start of a run: T = D (copied), with D's sum of squares and largest absolute entry stored at
 * `out` in place of [sum of squares, non-zero count]. A NaN anywhere makes the largest entry NaN
 * (f64x2.max propagates it), so the caller learns of non-finite input from the same pass.
 */
export function pcpStart(start: i32, end: i32, d: usize, t: usize, out: usize): void {
  let acc = f64x2.splat(0.0);
  let big = f64x2.splat(0.0);
  let k = start;
  for (; k + 1 < end; k += 2) {
    const o = (<usize>k) << 3;
    const v = v128.load(d + o);
    v128.store(t + o, v);
    acc = f64x2.add(acc, f64x2.mul(v, v));
    big = f64x2.max(big, f64x2.abs(v));
  }
  let sum = f64x2.extract_lane(acc, 0) + f64x2.extract_lane(acc, 1);
  let largest = max<f64>(f64x2.extract_lane(big, 0), f64x2.extract_lane(big, 1));
  for (; k < end; k++) {
    const o = (<usize>k) << 3;
    const v = load<f64>(d + o);
    store<f64>(t + o, v);
    sum += v * v;
    largest = max<f64>(largest, abs<f64>(v));
  }
  store<f64>(out, sum);
  store<f64>(out, largest, 8);
}

/** Sum of (D - A - E)^2 (the constraint residual), read only. */
export function pcpResidual(start: i32, end: i32, d: usize, a: usize, e: usize, out: usize): void {
  let acc = f64x2.splat(0.0);
  let k = start;
  for (; k + 1 < end; k += 2) {
    const o = (<usize>k) << 3;
    const z = f64x2.sub(f64x2.sub(v128.load(d + o), v128.load(a + o)), v128.load(e + o));
    acc = f64x2.add(acc, f64x2.mul(z, z));
  }
  let sum = f64x2.extract_lane(acc, 0) + f64x2.extract_lane(acc, 1);
  for (; k < end; k++) {
    const o = (<usize>k) << 3;
    const z = load<f64>(d + o) - load<f64>(a + o) - load<f64>(e + o);
    sum += z * z;
  }
  store<f64>(out, sum);
  store<f64>(out, 0.0, 8);
}

/**
 * One ALM step after the SVD: Z = D - A - E (summed squared), Y'/mu' = (T - A) scale,
 * E' = shrink(D - A + Y'/mu', threshold), T' = D - E' + Y'/mu'. E and T are overwritten.
 */
export function pcpUpdate(
  start: i32,
  end: i32,
  d: usize,
  a: usize,
  e: usize,
  t: usize,
  scale: f64,
  threshold: f64,
  out: usize,
): void {
  const sc = f64x2.splat(scale);
  const thr = f64x2.splat(threshold);
  const negThr = f64x2.splat(-threshold);
  let acc = f64x2.splat(0.0);
  let nonZeros = 0;
  let k = start;
  for (; k + 1 < end; k += 2) {
    const o = (<usize>k) << 3;
    const dk = v128.load(d + o);
    const ak = v128.load(a + o);
    const dMinusA = f64x2.sub(dk, ak);
    const z = f64x2.sub(dMinusA, v128.load(e + o));
    acc = f64x2.add(acc, f64x2.mul(z, z));
    const ys = f64x2.mul(f64x2.sub(v128.load(t + o), ak), sc);
    const ek = softThreshold2(f64x2.add(dMinusA, ys), thr, negThr);
    nonZeros += nonZeroLanes(ek);
    v128.store(e + o, ek);
    v128.store(t + o, f64x2.add(f64x2.sub(dk, ek), ys));
  }
  let sum = f64x2.extract_lane(acc, 0) + f64x2.extract_lane(acc, 1);
  for (; k < end; k++) {
    const o = (<usize>k) << 3;
    const dk = load<f64>(d + o);
    const ak = load<f64>(a + o);
    const dMinusA = dk - ak;
    const z = dMinusA - load<f64>(e + o);
    sum += z * z;
    const ys = (load<f64>(t + o) - ak) * scale;
    const ek = softThreshold1(dMinusA + ys, threshold);
    if (ek !== 0.0) nonZeros++;
    store<f64>(e + o, ek);
    store<f64>(t + o, dk - ek + ys);
  }
  store<f64>(out, sum);
  store<f64>(out, <f64>nonZeros, 8);
}

// Dynamically scheduled versions: the threads claim units of `unit` elements from the i32 counter
// at `counter` until `length` is covered, and unit u stores its two results at out + 16 u. A thread
// slowed by a neighbour then takes fewer units, and the caller's in-order sum of the units' results
// does not depend on which thread ran which unit (nor on the thread count).

export function pcpStartUnits(counter: usize, unit: i32, length: i32, d: usize, t: usize, out: usize): void {
  for (;;) {
    const u = atomic.add<i32>(counter, 1);
    const start = u * unit;
    if (start >= length) break;
    pcpStart(start, min<i32>(length, start + unit), d, t, out + ((<usize>u) << 4));
  }
}

export function pcpResidualUnits(
  counter: usize,
  unit: i32,
  length: i32,
  d: usize,
  a: usize,
  e: usize,
  out: usize,
): void {
  for (;;) {
    const u = atomic.add<i32>(counter, 1);
    const start = u * unit;
    if (start >= length) break;
    pcpResidual(start, min<i32>(length, start + unit), d, a, e, out + ((<usize>u) << 4));
  }
}

export function pcpUpdateUnits(
  counter: usize,
  unit: i32,
  length: i32,
  d: usize,
  a: usize,
  e: usize,
  t: usize,
  scale: f64,
  threshold: f64,
  out: usize,
): void {
  for (;;) {
    const u = atomic.add<i32>(counter, 1);
    const start = u * unit;
    if (start >= length) break;
    pcpUpdate(start, min<i32>(length, start + unit), d, a, e, t, scale, threshold, out + ((<usize>u) << 4));
  }
}
