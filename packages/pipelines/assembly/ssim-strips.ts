// Streaming SSIM (11 x 11 Gaussian window) and squared-error sums in WebAssembly SIMD: the
// pipelines' threaded kernel module (built by the repository's scripts/build-threaded-kernel.mjs),
// run by @lowrank/linalg's worker threads over its shared kernel memory. The image arrives a band
// of rows at a time; the threads split it into strips of output columns, each strip with its own
// slice of the ring of horizontally filtered rows, so a strip's work stays in cache and strips
// never share a byte. SSIM needs the two variances only as their sum, so four maps are filtered (x,
// y, x^2 + y^2, xy) where src/streaming-quality.ts filters five. The window sums are float32, four
// columns a vector (twice float64's), and each window's SSIM is formed from them in float64: the
// mean SSIM differs from the float64 sums' by a few 1e-7 (a 6 megapixel photo: 3e-7). The squared
// error and the energy (PSNR, relative error) are float64 sums of the inputs themselves.
// Pointers are byte offsets of float64 arrays, except x, which may be float32 (the big-image path
// keeps the image in float32), and the ring and row maps, float32.

const WINDOW = 11;

/** One symmetric 11-tap sum of a float32 row, four columns at a time, at byte offset o of row p. */
function taps(p: usize, o: usize, w0: v128, w1: v128, w2: v128, w3: v128, w4: v128, w5: v128): v128 {
  return f32x4.add(
    f32x4.add(
      f32x4.add(
        f32x4.add(
          f32x4.add(
            f32x4.mul(w0, f32x4.add(v128.load(p + o), v128.load(p + o + 40))),
            f32x4.mul(w1, f32x4.add(v128.load(p + o + 4), v128.load(p + o + 36))),
          ),
          f32x4.mul(w2, f32x4.add(v128.load(p + o + 8), v128.load(p + o + 32))),
        ),
        f32x4.mul(w3, f32x4.add(v128.load(p + o + 12), v128.load(p + o + 28))),
      ),
      f32x4.mul(w4, f32x4.add(v128.load(p + o + 16), v128.load(p + o + 24))),
    ),
    f32x4.mul(w5, v128.load(p + o + 20)),
  );
}

function tapsScalar(p: usize, o: usize, w: usize): f32 {
  let acc = <f32>load<f64>(w) * (load<f32>(p + o) + load<f32>(p + o + 40));
  for (let t: usize = 1; t < 5; t++)
    acc += <f32>load<f64>(w + (t << 3)) * (load<f32>(p + o + (t << 2)) + load<f32>(p + o + ((10 - t) << 2)));
  return acc + <f32>load<f64>(w + 40) * load<f32>(p + o + 20);
}

/**
 * The symmetric 11-tap sum down the ring rows r0..r10 (byte offsets of slots, in window order) of
 * one map, four columns at byte offset o.
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
  return f32x4.add(
    f32x4.add(
      f32x4.add(
        f32x4.add(
          f32x4.add(
            f32x4.mul(w0, f32x4.add(v128.load(p + r0), v128.load(p + r10))),
            f32x4.mul(w1, f32x4.add(v128.load(p + r1), v128.load(p + r9))),
          ),
          f32x4.mul(w2, f32x4.add(v128.load(p + r2), v128.load(p + r8))),
        ),
        f32x4.mul(w3, f32x4.add(v128.load(p + r3), v128.load(p + r7))),
      ),
      f32x4.mul(w4, f32x4.add(v128.load(p + r4), v128.load(p + r6))),
    ),
    f32x4.mul(w5, v128.load(p + r5)),
  );
}

/** The SSIM map's value from the window means, E[x^2 + y^2] and E[xy], per float64 lane. */
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

/** The upper two float32 lanes of v as float64. */
function promoteHigh(v: v128): v128 {
  return f64x2.promote_low_f32x4(v128.shuffle<f32>(v, v, 2, 3, 2, 3));
}

/** Four columns of y at byte offset o (float64), clamped to [0, 1] (NaN to 0), as float32. */
function clampedY(yr: usize, o: usize, zero: v128, one: v128): v128 {
  // pmax(0, y) is y where 0 < y, else 0 (NaN too); pmin(1, .) is the value where it is < 1, else 1.
  const lo = f32x4.demote_f64x2_zero(f64x2.pmin(one, f64x2.pmax(zero, v128.load(yr + o))));
  const hi = f32x4.demote_f64x2_zero(f64x2.pmin(one, f64x2.pmax(zero, v128.load(yr + o + 16))));
  return v128.shuffle<f32>(lo, hi, 0, 1, 4, 5);
}

function clampedYScalar(v: f64): f64 {
  // biome-ignore lint/complexity/useMathMinMax: NaN must fail both tests and map to 0
  return v > 0 ? (v < 1 ? v : 1) : 0;
}

/**
 * Row r of the band as the strip's float32 rows of input columns j0..hi-1, at xs + 4 (j - j0):
 * x itself, y clamped to [0, 1] (NaN to 0), x^2 + y^2 and xy. Each product is formed once per
 * pixel rather than once per window that holds it (11 times).
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
  for (; j + 3 < hi; j += 4) {
    const o = (<usize>(j - j0)) << 2;
    const a = xFloat32
      ? v128.load(xr + ((<usize>j) << 2))
      : v128.shuffle<f32>(
          f32x4.demote_f64x2_zero(v128.load(xr + ((<usize>j) << 3))),
          f32x4.demote_f64x2_zero(v128.load(xr + ((<usize>j) << 3) + 16)),
          0,
          1,
          4,
          5,
        );
    const b = clampedY(yr, (<usize>j) << 3, zero, one);
    v128.store(xs + o, a);
    v128.store(ys + o, b);
    v128.store(ss + o, f32x4.add(f32x4.mul(a, a), f32x4.mul(b, b)));
    v128.store(ps + o, f32x4.mul(a, b));
  }
  for (; j < hi; j++) {
    const o = (<usize>(j - j0)) << 2;
    const a: f32 = xFloat32 ? load<f32>(xr + ((<usize>j) << 2)) : <f32>load<f64>(xr + ((<usize>j) << 3));
    const b = <f32>clampedYScalar(load<f64>(yr + ((<usize>j) << 3)));
    store<f32>(xs + o, a);
    store<f32>(ys + o, b);
    store<f32>(ss + o, a * a + b * b);
    store<f32>(ps + o, a * b);
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
  const slotBytes = (<usize>outCols) << 2;
  const mapBytes = slotBytes * WINDOW;
  const w0 = f32x4.splat(<f32>load<f64>(w));
  const w1 = f32x4.splat(<f32>load<f64>(w + 8));
  const w2 = f32x4.splat(<f32>load<f64>(w + 16));
  const w3 = f32x4.splat(<f32>load<f64>(w + 24));
  const w4 = f32x4.splat(<f32>load<f64>(w + 32));
  const w5 = f32x4.splat(<f32>load<f64>(w + 40));
  const vc1 = f64x2.splat(c1);
  const vc2 = f64x2.splat(c2);
  const zero = f64x2.splat(0.0);
  const one = f64x2.splat(1.0);
  const hi = min<i32>(cols, j1 + WINDOW - 1);
  const stripBytes = (<usize>(hi - j0)) << 2;
  const xs = maps;
  const ys = maps + stripBytes;
  const ss = maps + 2 * stripBytes;
  const ps = maps + 3 * stripBytes;
  // The maps' bases shifted so that column j sits at base + 4 j, as in the band's rows (wrapping).
  const shift = (<usize>j0) << 2;
  let ssimSum: f64 = 0;
  let squaredPair = f64x2.splat(0.0);
  let energyPair = f64x2.splat(0.0);
  let squared: f64 = 0;
  let energy: f64 = 0;
  for (let r = 0; r < count; r++) {
    const xr = x + <usize>r * xRowBytes;
    const yr = y + <usize>r * rowBytes;
    // The error sums in float64, from the inputs.
    let j = j0;
    for (; j + 1 < e; j += 2) {
      const a = xFloat32
        ? f64x2.promote_low_f32x4(v128.load64_zero(xr + ((<usize>j) << 2)))
        : v128.load(xr + ((<usize>j) << 3));
      const d = f64x2.sub(a, f64x2.pmin(one, f64x2.pmax(zero, v128.load(yr + ((<usize>j) << 3)))));
      squaredPair = f64x2.add(squaredPair, f64x2.mul(d, d));
      energyPair = f64x2.add(energyPair, f64x2.mul(a, a));
    }
    for (; j < e; j++) {
      const a: f64 = xFloat32 ? <f64>load<f32>(xr + ((<usize>j) << 2)) : load<f64>(xr + ((<usize>j) << 3));
      const d = a - clampedYScalar(load<f64>(yr + ((<usize>j) << 3)));
      squared += d * d;
      energy += a * a;
    }
    rowMaps(j0, hi, xr, xFloat32, yr, xs, ys, ss, ps);
    const g = first + r;
    const slot = ring + <usize>(g % WINDOW) * slotBytes;
    j = j0;
    for (; j + 3 < j1; j += 4) {
      const o = (<usize>j) << 2;
      v128.store(slot + o, taps(xs - shift, o, w0, w1, w2, w3, w4, w5));
      v128.store(slot + mapBytes + o, taps(ys - shift, o, w0, w1, w2, w3, w4, w5));
      v128.store(slot + 2 * mapBytes + o, taps(ss - shift, o, w0, w1, w2, w3, w4, w5));
      v128.store(slot + 3 * mapBytes + o, taps(ps - shift, o, w0, w1, w2, w3, w4, w5));
    }
    for (; j < j1; j++) {
      const o = (<usize>j) << 2;
      store<f32>(slot + o, tapsScalar(xs - shift, o, w));
      store<f32>(slot + mapBytes + o, tapsScalar(ys - shift, o, w));
      store<f32>(slot + 2 * mapBytes + o, tapsScalar(ss - shift, o, w));
      store<f32>(slot + 3 * mapBytes + o, tapsScalar(ps - shift, o, w));
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
    for (; j + 3 < j1; j += 4) {
      const o = (<usize>j) << 2;
      const mx = down(ring, o, w0, w1, w2, w3, w4, w5, r0, r1, r2, r3, r4, r5, r6, r7, r8, r9, r10);
      const my = down(
        ring + mapBytes,
        o,
        w0,
        w1,
        w2,
        w3,
        w4,
        w5,
        r0,
        r1,
        r2,
        r3,
        r4,
        r5,
        r6,
        r7,
        r8,
        r9,
        r10,
      );
      const ess = down(
        ring + 2 * mapBytes,
        o,
        w0,
        w1,
        w2,
        w3,
        w4,
        w5,
        r0,
        r1,
        r2,
        r3,
        r4,
        r5,
        r6,
        r7,
        r8,
        r9,
        r10,
      );
      const exy = down(
        ring + 3 * mapBytes,
        o,
        w0,
        w1,
        w2,
        w3,
        w4,
        w5,
        r0,
        r1,
        r2,
        r3,
        r4,
        r5,
        r6,
        r7,
        r8,
        r9,
        r10,
      );
      acc = f64x2.add(
        acc,
        ssimOf(
          f64x2.promote_low_f32x4(mx),
          f64x2.promote_low_f32x4(my),
          f64x2.promote_low_f32x4(ess),
          f64x2.promote_low_f32x4(exy),
          vc1,
          vc2,
        ),
      );
      acc = f64x2.add(
        acc,
        ssimOf(promoteHigh(mx), promoteHigh(my), promoteHigh(ess), promoteHigh(exy), vc1, vc2),
      );
    }
    let rowSum = f64x2.extract_lane(acc, 0) + f64x2.extract_lane(acc, 1);
    for (; j < j1; j++) {
      const o = (<usize>j) << 2;
      const vmx = down(ring, o, w0, w1, w2, w3, w4, w5, r0, r1, r2, r3, r4, r5, r6, r7, r8, r9, r10);
      const vmy = down(
        ring + mapBytes,
        o,
        w0,
        w1,
        w2,
        w3,
        w4,
        w5,
        r0,
        r1,
        r2,
        r3,
        r4,
        r5,
        r6,
        r7,
        r8,
        r9,
        r10,
      );
      const vss = down(
        ring + 2 * mapBytes,
        o,
        w0,
        w1,
        w2,
        w3,
        w4,
        w5,
        r0,
        r1,
        r2,
        r3,
        r4,
        r5,
        r6,
        r7,
        r8,
        r9,
        r10,
      );
      const vxy = down(
        ring + 3 * mapBytes,
        o,
        w0,
        w1,
        w2,
        w3,
        w4,
        w5,
        r0,
        r1,
        r2,
        r3,
        r4,
        r5,
        r6,
        r7,
        r8,
        r9,
        r10,
      );
      rowSum += ssimOfScalar(
        <f64>f32x4.extract_lane(vmx, 0),
        <f64>f32x4.extract_lane(vmy, 0),
        <f64>f32x4.extract_lane(vss, 0),
        <f64>f32x4.extract_lane(vxy, 0),
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
  // Strip u's rowMaps scratch: four rows of width + 10 float32.
  const mapsBytes = <usize>(width + WINDOW - 1) * 16;
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
