// Sums of squares by units (sumOfSquares in src/sum-of-squares.ts, which sums the same way in
// JavaScript): unit u holds elements [u L, min(n, (u + 1) L)); element i of a unit goes to partial
// sum s[i mod 4], in float64; the unit's sum is (s0 + s1) + (s2 + s3), stored at out + 8 u. The
// units are claimed from the i32 counter at `counter`, so the sums do not depend on which thread
// ran which unit.

export function sumOfSquaresUnits(
  counter: usize,
  data: usize,
  length: i32,
  float32: i32,
  unitLength: i32,
  out: usize,
): void {
  const units = (length + unitLength - 1) / unitLength;
  for (;;) {
    const u = atomic.add<i32>(counter, 1);
    if (u >= units) return;
    const from = u * unitLength;
    const count = min<i32>(unitLength, length - from);
    const whole = count & ~3;
    let low = f64x2.splat(0.0); // s0, s1
    let high = f64x2.splat(0.0); // s2, s3
    if (float32) {
      const p = data + ((<usize>from) << 2);
      for (let i = 0; i < whole; i += 4) {
        const x = v128.load(p + ((<usize>i) << 2));
        const x01 = f64x2.promote_low_f32x4(x);
        const x23 = f64x2.promote_low_f32x4(i32x4.shuffle(x, x, 2, 3, 0, 1));
        low = f64x2.add(low, f64x2.mul(x01, x01));
        high = f64x2.add(high, f64x2.mul(x23, x23));
      }
    } else {
      const p = data + ((<usize>from) << 3);
      for (let i = 0; i < whole; i += 4) {
        const x01 = v128.load(p + ((<usize>i) << 3));
        const x23 = v128.load(p + ((<usize>i) << 3), 16);
        low = f64x2.add(low, f64x2.mul(x01, x01));
        high = f64x2.add(high, f64x2.mul(x23, x23));
      }
    }
    let s0 = f64x2.extract_lane(low, 0);
    let s1 = f64x2.extract_lane(low, 1);
    let s2 = f64x2.extract_lane(high, 0);
    for (let i = whole; i < count; i++) {
      const x: f64 = float32
        ? <f64>load<f32>(data + ((<usize>(from + i)) << 2))
        : load<f64>(data + ((<usize>(from + i)) << 3));
      const square = x * x;
      const lane = i & 3;
      if (lane === 0) s0 += square;
      else if (lane === 1) s1 += square;
      else s2 += square;
    }
    store<f64>(out + ((<usize>u) << 3), s0 + s1 + (s2 + f64x2.extract_lane(high, 1)));
  }
}
