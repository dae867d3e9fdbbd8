/**
 * Hysteresis thresholding (Canny's, applied to regions): a pixel is foreground when it is strong
 * (above the high threshold), or weak (above the low one) and 8-connected to a strong pixel
 * through weak pixels. An object whose colour is close to the background's has a few strong
 * pixels and many weak ones; noise has weak pixels with no strong seed nearby.
 *
 * `level` is 2 for strong, 1 for weak and 0 for neither, per pixel; `out` gets 255 / 0.
 * Linear time: one flood fill from the seeds with an explicit stack (`stack` holds `pixels` entries).
 */
export function growFromSeeds(
  level: Uint8Array,
  width: number,
  height: number,
  out: Uint8Array,
  stack: Int32Array = new Int32Array(width * height),
  polarity?: Uint8Array,
): void {
  const pixels = width * height;
  out.fill(0, 0, pixels);
  for (let seed = 0; seed < pixels; seed++) {
    if (level[seed] !== 2 || out[seed]) continue;
    out[seed] = 255;
    let top = 0;
    stack[top++] = seed;
    while (top > 0) {
      const p = stack[--top]!;
      const x = p % width;
      const y = (p - x) / width;
      for (let dy = -1; dy <= 1; dy++) {
        const yy = y + dy;
        if (yy < 0 || yy >= height) continue;
        for (let dx = -1; dx <= 1; dx++) {
          const xx = x + dx;
          if (xx < 0 || xx >= width) continue;
          const q = yy * width + xx;
          if (level[q] !== 0 && out[q] === 0 && (polarity === undefined || polarity[q] === polarity[p])) {
            out[q] = 255;
            stack[top++] = q;
          }
        }
      }
    }
  }
}
