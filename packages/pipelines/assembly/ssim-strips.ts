// Streaming SSIM (11 x 11 Gaussian window) and squared-error sums in WebAssembly SIMD: the
// pipelines' threaded kernel module (built by the repository's scripts/build-threaded-kernel.mjs),
// run by @lowrank/linalg's worker threads over its shared kernel memory. The image arrives a band
// of rows at a time; the threads split it into strips of output columns, each strip with its own
// slice of the ring of horizontally filtered rows, so a strip's work stays in cache and strips
// never share a byte. SSIM needs the two variances only as their sum, so four maps are filtered (x,
// y, x^2 + y^2, xy) where src/streaming-quality.ts filters five: the same windows, with sums in
// another order (equal to about 1e-15).
// Pointers are byte offsets of float64 arrays, except x, which may be float32 (the big-image path
// keeps the image in float32; its values widen exactly).

const WINDOW = 11;

/** One symmetric 11-tap sum of a row of x or y, two columns at a time, at byte offset o of row p. */
function taps(p: usize, o: usize, w0: v128, w1: v128, w2: v128, w3: v128, w4: v128, w5: v128): v128 {
  return f64x2.add(
    f64x2.add(
      f64x2.add(
        f64x2.add(
          f64x2.add(
            f64x2.mul(w0, f64x2.add(v128.load(p + o), v128.load(p + o + 80))),
            f64x2.mul(w1, f64x2.add(v128.load(p + o + 8), v128.load(p + o + 72))),
          ),
          f64x2.mul(w2, f64x2.add(v128.load(p + o + 16), v128.load(p + o + 64))),
        ),
        f64x2.mul(w3, f64x2.add(v128.load(p + o + 24), v128.load(p + o + 56))),
      ),
      f64x2.mul(w4, f64x2.add(v128.load(p + o + 32), v128.load(p + o + 48))),
    ),
    f64x2.mul(w5, v128.load(p + o + 40)),
  );
}

function tapsScalar(p: usize, o: usize, w: usize): f64 {
  let acc = load<f64>(w) * (load<f64>(p + o) + load<f64>(p + o + 80));
  for (let t: usize = 1; t < 5; t++)
    acc += load<f64>(w + (t << 3)) * (load<f64>(p + o + (t << 3)) + load<f64>(p + o + ((10 - t) << 3)));
  return acc + load<f64>(w + 40) * load<f64>(p + o + 40);
}

/**
 * The symmetric 11-tap sum down the ring rows r0..r10 (byte offsets of slots, in window order) of
 * one map, two columns at byte offset o.
 */
function down(
  m: usize,
  o: usize,
  w0: v128,
  w1: v128,
  w2: v128,
  w3: v128,
  w4: v128,
  w5: v128,
  r0: usize,
  r1: usize,
  r2: usize,
  r3: usize,
  r4: usize,
  r5: usize,
  r6: usize,
  r7: usize,
  r8: usize,
  r9: usize,
  r10: usize,
): v128 {
  const p = m + o;
  return f64x2.add(
    f64x2.add(
      f64x2.add(
        f64x2.add(
          f64x2.add(
            f64x2.mul(w0, f64x2.add(v128.load(p + r0), v128.load(p + r10))),
            f64x2.mul(w1, f64x2.add(v128.load(p + r1), v128.load(p + r9))),
          ),
          f64x2.mul(w2, f64x2.add(v128.load(p + r2), v128.load(p + r8))),
        ),
        f64x2.mul(w3, f64x2.add(v128.load(p + r3), v128.load(p + r7))),
      ),
      f64x2.mul(w4, f64x2.add(v128.load(p + r4), v128.load(p + r6))),
    ),
    f64x2.mul(w5, v128.load(p + r5)),
  );
}

/** The SSIM map's value from the window means, E[x^2 + y^2] and E[xy], per lane. */
function ssimOf(mx: v128, my: v128, ess: v128, exy: v128, c1: v128, c2: v128): v128 {
  const two = f64x2.splat(2.0);
  const mxx = f64x2.mul(mx, mx);
  const myy = f64x2.mul(my, my);
  const mxy = f64x2.mul(mx, my);
  const means = f64x2.add(mxx, myy);
  return f64x2.div(
    f64x2.mul(f64x2.add(f64x2.mul(two, mxy), c1), f64x2.add(f64x2.mul(two, f64x2.sub(exy, mxy)), c2)),
    f64x2.mul(f64x2.add(means, c1), f64x2.add(f64x2.sub(ess, means), c2)),
  );
}

function ssimOfScalar(mx: f64, my: f64, ess: f64, exy: f64, c1: f64, c2: f64): f64 {
  const means = mx * mx + my * my;
  return ((2 * mx * my + c1) * (2 * (exy - mx * my) + c2)) / ((means + c1) * (ess - means + c2));
}

/**
 * Row r of the band as the strip's float64 rows of input columns j0..hi-1, at xs + 8 (j - j0):
 * x itself, y clamped to [0, 1] (NaN to 0), x^2 + y^2 and xy. Each product is formed once per
 * pixel rather than once per window that holds it (11 times); the window sums below then add the
 * same values in the same order.
 */
function rowMaps(
  j0: i32,
  hi: i32,
  xr: usize,
  xFloat32: bool,
  yr: usize,
  xs: usize,
  ys: usize,
  ss: usize,
  ps: usize,
): void {
  const zero = f64x2.splat(0.0);
  const one = f64x2.splat(1.0);
  let j = j0;
  for (; j + 1 < hi; j += 2) {
    const o = (<usize>(j - j0)) << 3;
    const a = xFloat32
      ? f64x2.promote_low_f32x4(v128.load64_zero(xr + ((<usize>j) << 2)))
      : v128.load(xr + ((<usize>j) << 3));
    // pmax(0, y) is y where 0 < y, else 0 (NaN too); pmin(1, .) is the value where it is < 1, else 1.
    const b = f64x2.pmin(one, f64x2.pmax(zero, v128.load(yr + ((<usize>j) << 3))));
    v128.store(xs + o, a);
    v128.store(ys + o, b);
    v128.store(ss + o, f64x2.add(f64x2.mul(a, a), f64x2.mul(b, b)));
    v128.store(ps + o, f64x2.mul(a, b));
  }
  for (; j < hi; j++) {
    const o = (<usize>(j - j0)) << 3;
    const a: f64 = xFloat32 ? <f64>load<f32>(xr + ((<usize>j) << 2)) : load<f64>(xr + ((<usize>j) << 3));
    const v = load<f64>(yr + ((<usize>j) << 3));
    // biome-ignore lint/complexity/useMathMinMax: NaN must fail both tests and map to 0
    const b: f64 = v > 0 ? (v < 1 ? v : 1) : 0;
    store<f64>(xs + o, a);
    store<f64>(ys + o, b);
    store<f64>(ss + o, a * a + b * b);
    store<f64>(ps + o, a * b);
  }
}

/**
 * One strip (output columns j0..j1-1; input columns j0..e-1 for the error sums) of one band of
 * `count` rows starting at image row `first`, with `maps` its own scratch for rowMaps. Stores
 * [SSIM map sum, sum of (x - y)^2, sum of x^2] at out.
 */
function strip(
  j0: i32,
  j1: i32,
  e: i32,
  cols: i32,
  outCols: i32,
  first: i32,
  count: i32,
  x: usize,
  xFloat32: bool,
  y: usize,
  ring: usize,
  maps: usize,
  w: usize,
  out: usize,
  c1: f64,
  c2: f64,
): void {
  const xRowBytes = (<usize>cols) << (xFloat32 ? 2 : 3);
  const rowBytes = (<usize>cols) << 3;
  const slotBytes = (<usize>outCols) << 3;
  const mapBytes = slotBytes * WINDOW;
  const w0 = v128.load64_splat(w);
  const w1 = v128.load64_splat(w + 8);
  const w2 = v128.load64_splat(w + 16);
  const w3 = v128.load64_splat(w + 24);
  const w4 = v128.load64_splat(w + 32);
  const w5 = v128.load64_splat(w + 40);
  const vc1 = f64x2.splat(c1);
  const vc2 = f64x2.splat(c2);
  const hi = min<i32>(cols, j1 + WINDOW - 1);
  const stripBytes = (<usize>(hi - j0)) << 3;
  const xs = maps;
  const ys = maps + stripBytes;
  const ss = maps + 2 * stripBytes;
  const ps = maps + 3 * stripBytes;
  // The maps' bases shifted so that column j sits at base + 8 j, as in the band's rows (wrapping).
  const shift = (<usize>j0) << 3;
  let ssimSum: f64 = 0;
  let squaredPair = f64x2.splat(0.0);
  let energyPair = f64x2.splat(0.0);
  let squared: f64 = 0;
  let energy: f64 = 0;
  for (let r = 0; r < count; r++) {
    const xr = x + <usize>r * xRowBytes;
    const yr = y + <usize>r * rowBytes;
    rowMaps(j0, hi, xr, xFloat32, yr, xs, ys, ss, ps);
    let j = j0;
    for (; j + 1 < e; j += 2) {
      const a = v128.load(xs - shift + ((<usize>j) << 3));
      const d = f64x2.sub(a, v128.load(ys - shift + ((<usize>j) << 3)));
      squaredPair = f64x2.add(squaredPair, f64x2.mul(d, d));
      energyPair = f64x2.add(energyPair, f64x2.mul(a, a));
    }
    for (; j < e; j++) {
      const a = load<f64>(xs - shift + ((<usize>j) << 3));
      const d = a - load<f64>(ys - shift + ((<usize>j) << 3));
      squared += d * d;
      energy += a * a;
    }
    const g = first + r;
    const slot = ring + <usize>(g % WINDOW) * slotBytes;
    j = j0;
    for (; j + 1 < j1; j += 2) {
      const o = (<usize>j) << 3;
      v128.store(slot + o, taps(xs - shift, o, w0, w1, w2, w3, w4, w5));
      v128.store(slot + mapBytes + o, taps(ys - shift, o, w0, w1, w2, w3, w4, w5));
      v128.store(slot + 2 * mapBytes + o, taps(ss - shift, o, w0, w1, w2, w3, w4, w5));
      v128.store(slot + 3 * mapBytes + o, taps(ps - shift, o, w0, w1, w2, w3, w4, w5));
    }
    for (; j < j1; j++) {
      const o = (<usize>j) << 3;
      store<f64>(slot + o, tapsScalar(xs - shift, o, w));
      store<f64>(slot + mapBytes + o, tapsScalar(ys - shift, o, w));
      store<f64>(slot + 2 * mapBytes + o, tapsScalar(ss - shift, o, w));
      store<f64>(slot + 3 * mapBytes + o, tapsScalar(ps - shift, o, w));
    }
    if (g < WINDOW - 1) continue;
    // The window of SSIM row g - 10: image rows g - 10 .. g, slots in that order.
    const top = g - (WINDOW - 1);
    const r0 = <usize>(top % WINDOW) * slotBytes;
    const r1 = <usize>((top + 1) % WINDOW) * slotBytes;
    const r2 = <usize>((top + 2) % WINDOW) * slotBytes;
    const r3 = <usize>((top + 3) % WINDOW) * slotBytes;
    const r4 = <usize>((top + 4) % WINDOW) * slotBytes;
    const r5 = <usize>((top + 5) % WINDOW) * slotBytes;
    const r6 = <usize>((top + 6) % WINDOW) * slotBytes;
    const r7 = <usize>((top + 7) % WINDOW) * slotBytes;
    const r8 = <usize>((top + 8) % WINDOW) * slotBytes;
    const r9 = <usize>((top + 9) % WINDOW) * slotBytes;
    const r10 = <usize>((top + 10) % WINDOW) * slotBytes;
    let acc = f64x2.splat(0.0);
    j = j0;
    for (; j + 1 < j1; j += 2) {
      const o = (<usize>j) << 3;
      acc = f64x2.add(
        acc,
        ssimOf(
          down(ring, o, w0, w1, w2, w3, w4, w5, r0, r1, r2, r3, r4, r5, r6, r7, r8, r9, r10),
          down(ring + mapBytes, o, w0, w1, w2, w3, w4, w5, r0, r1, r2, r3, r4, r5, r6, r7, r8, r9, r10),
          down(ring + 2 * mapBytes, o, w0, w1, w2, w3, w4, w5, r0, r1, r2, r3, r4, r5, r6, r7, r8, r9, r10),
          down(ring + 3 * mapBytes, o, w0, w1, w2, w3, w4, w5, r0, r1, r2, r3, r4, r5, r6, r7, r8, r9, r10),
          vc1,
          vc2,
        ),
      );
    }
    let rowSum = f64x2.extract_lane(acc, 0) + f64x2.extract_lane(acc, 1);
    for (; j < j1; j++) {
      const o = (<usize>j) << 3;
      rowSum += ssimOfScalar(
        f64x2.extract_lane(
          down(ring, o, w0, w1, w2, w3, w4, w5, r0, r1, r2, r3, r4, r5, r6, r7, r8, r9, r10),
          0,
        ),
        f64x2.extract_lane(
          down(ring + mapBytes, o, w0, w1, w2, w3, w4, w5, r0, r1, r2, r3, r4, r5, r6, r7, r8, r9, r10),
          0,
        ),
        f64x2.extract_lane(
          down(ring + 2 * mapBytes, o, w0, w1, w2, w3, w4, w5, r0, r1, r2, r3, r4, r5, r6, r7, r8, r9, r10),
          0,
        ),
        f64x2.extract_lane(
          down(ring + 3 * mapBytes, o, w0, w1, w2, w3, w4, w5, r0, r1, r2, r3, r4, r5, r6, r7, r8, r9, r10),
          0,
        ),
        c1,
        c2,
      );
    }
    ssimSum += rowSum;
  }
  store<f64>(out, ssimSum);
  store<f64>(out, squared + f64x2.extract_lane(squaredPair, 0) + f64x2.extract_lane(squaredPair, 1), 8);
  store<f64>(out, energy + f64x2.extract_lane(energyPair, 0) + f64x2.extract_lane(energyPair, 1), 16);
}

/**
 * One band for every strip: the threads claim strips of `width` output columns from the i32 counter
 * at `counter`; strip u stores its three sums at out + 32 u (the caller adds them in strip order, so
 * the result does not depend on which thread ran which strip, nor on the thread count). The last
 * strip also sums the error over the input columns past the last output column.
 */
export function ssimStripUnits(
  counter: usize,
  width: i32,
  cols: i32,
  outCols: i32,
  first: i32,
  count: i32,
  x: usize,
  xFloat32: i32,
  y: usize,
  ring: usize,
  maps: usize,
  weights: usize,
  out: usize,
  c1: f64,
  c2: f64,
): void {
  // Strip u's rowMaps scratch: four rows of width + 10 float64.
  const mapsBytes = <usize>(width + WINDOW - 1) * 32;
  for (;;) {
    const u = atomic.add<i32>(counter, 1);
    const j0 = u * width;
    if (j0 >= outCols) break;
    const j1 = min<i32>(outCols, j0 + width);
    strip(
      j0,
      j1,
      j1 === outCols ? cols : j1,
      cols,
      outCols,
      first,
      count,
      x,
      xFloat32 !== 0,
      y,
      ring,
      maps + <usize>u * mapsBytes,
      weights,
      out + ((<usize>u) << 5),
      c1,
      c2,
    );
  }
}
