// 8-bit RGB to float32 luma on linalg's threads (built by scripts/build-threaded-kernel.mjs): the
// conversion of @lowrank/io's luma.ts, operation for operation, so the values are the same bits.
// Y = trunc(0.299 R + 0.587 G + 0.114 B + 0.5) (products and sums in float64, in that order; the
// sum is never negative, so truncating sum + 0.5 rounds it), then the float32 of Y / 255, read from
// a 256-entry table the caller fills. Pointers are byte offsets.

/**
 * Pixels [from, to) of the interleaved samples at rgb (`stride` bytes a pixel: R, G, B first),
 * written as float32 at out + 4 (p - from).
 */
export function lumaRows(rgb: usize, stride: i32, from: i32, to: i32, out: usize, level: usize): void {
  let q = rgb + <usize>from * <usize>stride;
  let o = out;
  for (let p = from; p < to; p++) {
    const r = <f64>load<u8>(q);
    const g = <f64>load<u8>(q, 1);
    const b = <f64>load<u8>(q, 2);
    const y = <i32>(0.299 * r + 0.587 * g + 0.114 * b + 0.5);
    store<f32>(o, load<f32>(level + ((<usize>y) << 2)));
    q += <usize>stride;
    o += 4;
  }
}
