/**
 * PSNR (dB, peak 1) of an approximation held as planes against the original held planar
 * (channel c at [c * n, (c + 1) * n)): what the compression webview shows while the slider moves.
 * The same quantity as @lowrank/core's psnr over all channels (tested against it), without
 * importing core into the webview bundle.
 */
export function planarPsnr(original: ArrayLike<number>, planes: readonly ArrayLike<number>[]): number {
  const n = planes.length === 0 ? 0 : planes[0]!.length;
  if (n === 0 || original.length !== n * planes.length) {
    throw new RangeError(
      `planarPsnr: ${original.length} original values for ${planes.length} planes of ${n}.`,
    );
  }
  let squared = 0;
  for (let c = 0; c < planes.length; c++) {
    const plane = planes[c]!;
    const offset = c * n;
    for (let k = 0; k < n; k++) {
      const diff = original[offset + k]! - plane[k]!;
      squared += diff * diff;
    }
  }
  const mse = squared / original.length;
  return mse === 0 ? Number.POSITIVE_INFINITY : 10 * Math.log10(1 / mse);
}
