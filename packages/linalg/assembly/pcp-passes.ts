// The element-wise passes of principal component pursuit (inexact ALM) in WebAssembly SIMD, compiled
// into the threaded module (gemm-threaded.ts re-exports them) so each thread sweeps its own range of
// the five matrices in the shared memory. Same arithmetic, in the same order per entry, as the
// JavaScript passes in @lowrank/algorithms-rpca (src/pcp-kernels.ts), which remain the fallback.
// Pointers are byte offsets of float64 arrays; [start, end) are element indices, start even.
// Each pass stores its partial sums at `out`: [sum of squares, non-zero count] as two f64.

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

/** E = shrink(D - A + Y/mu, lambda/mu); T = D - E + Y/mu. */
export function pcpSparseUpdate(
  start: i32,
  end: i32,
  d: usize,
  a: usize,
  y: usize,
  e: usize,
  t: usize,
  invMu: f64,
  threshold: f64,
  out: usize,
): void {
  const inv = f64x2.splat(invMu);
  const thr = f64x2.splat(threshold);
  const negThr = f64x2.splat(-threshold);
  let nonZeros = 0;
  let k = start;
  for (; k + 1 < end; k += 2) {
    const o = (<usize>k) << 3;
    const dk = v128.load(d + o);
    const yk = f64x2.mul(v128.load(y + o), inv);
    const v = f64x2.add(f64x2.sub(dk, v128.load(a + o)), yk);
    const ek = softThreshold2(v, thr, negThr);
    nonZeros += nonZeroLanes(ek);
    v128.store(e + o, ek);
    v128.store(t + o, f64x2.add(f64x2.sub(dk, ek), yk));
  }
  for (; k < end; k++) {
    const o = (<usize>k) << 3;
    const dk = load<f64>(d + o);
    const yk = load<f64>(y + o) * invMu;
    const ek = softThreshold1(dk - load<f64>(a + o) + yk, threshold);
    if (ek !== 0.0) nonZeros++;
    store<f64>(e + o, ek);
    store<f64>(t + o, dk - ek + yk);
  }
  store<f64>(out, 0.0);
  store<f64>(out, <f64>nonZeros, 8);
}

/** Z = D - A - E; Y += mu Z; sum of Z^2. */
export function pcpResidualAndDual(
  start: i32,
  end: i32,
  d: usize,
  a: usize,
  e: usize,
  y: usize,
  mu: f64,
  out: usize,
): void {
  const m = f64x2.splat(mu);
  let acc = f64x2.splat(0.0);
  let k = start;
  for (; k + 1 < end; k += 2) {
    const o = (<usize>k) << 3;
    const z = f64x2.sub(f64x2.sub(v128.load(d + o), v128.load(a + o)), v128.load(e + o));
    acc = f64x2.add(acc, f64x2.mul(z, z));
    v128.store(y + o, f64x2.add(v128.load(y + o), f64x2.mul(m, z)));
  }
  let sum = f64x2.extract_lane(acc, 0) + f64x2.extract_lane(acc, 1);
  for (; k < end; k++) {
    const o = (<usize>k) << 3;
    const z = load<f64>(d + o) - load<f64>(a + o) - load<f64>(e + o);
    sum += z * z;
    store<f64>(y + o, load<f64>(y + o) + mu * z);
  }
  store<f64>(out, sum);
  store<f64>(out, 0.0, 8);
}

/** pcpResidualAndDual of iteration k then pcpSparseUpdate of iteration k + 1, in one sweep. */
export function pcpDualAndSparse(
  start: i32,
  end: i32,
  d: usize,
  a: usize,
  e: usize,
  y: usize,
  t: usize,
  mu: f64,
  nextInvMu: f64,
  threshold: f64,
  out: usize,
): void {
  const m = f64x2.splat(mu);
  const inv = f64x2.splat(nextInvMu);
  const thr = f64x2.splat(threshold);
  const negThr = f64x2.splat(-threshold);
  let acc = f64x2.splat(0.0);
  let nonZeros = 0;
  let k = start;
  for (; k + 1 < end; k += 2) {
    const o = (<usize>k) << 3;
    const dk = v128.load(d + o);
    const dMinusA = f64x2.sub(dk, v128.load(a + o));
    const z = f64x2.sub(dMinusA, v128.load(e + o));
    acc = f64x2.add(acc, f64x2.mul(z, z));
    const yk = f64x2.add(v128.load(y + o), f64x2.mul(m, z));
    v128.store(y + o, yk);
    const ys = f64x2.mul(yk, inv);
    const ek = softThreshold2(f64x2.add(dMinusA, ys), thr, negThr);
    nonZeros += nonZeroLanes(ek);
    v128.store(e + o, ek);
    v128.store(t + o, f64x2.add(f64x2.sub(dk, ek), ys));
  }
  let sum = f64x2.extract_lane(acc, 0) + f64x2.extract_lane(acc, 1);
  for (; k < end; k++) {
    const o = (<usize>k) << 3;
    const dk = load<f64>(d + o);
    const dMinusA = dk - load<f64>(a + o);
    const z = dMinusA - load<f64>(e + o);
    sum += z * z;
    const yk = load<f64>(y + o) + mu * z;
    store<f64>(y + o, yk);
    const ys = yk * nextInvMu;
    const ek = softThreshold1(dMinusA + ys, threshold);
    if (ek !== 0.0) nonZeros++;
    store<f64>(e + o, ek);
    store<f64>(t + o, dk - ek + ys);
  }
  store<f64>(out, sum);
  store<f64>(out, <f64>nonZeros, 8);
}
