/**
 * Morphological opening of one binary frame (0 / non-zero) with a (2 radius + 1)-square structuring
 * element: an erosion then a dilation. Removes specks and thin lines narrower than the square
 * while keeping the shape of larger objects. Separable (rows then columns), each pass a running
 * count over a window of 2 radius + 1, so O(pixels) whatever the radius. `scratch` (optional)
 * holds 2 x pixels bytes.
 */
export function openMask(
  mask: Uint8Array,
  width: number,
  height: number,
  radius: number,
  scratch?: Uint8Array,
): void {
  if (radius < 1) return;
  const pixels = width * height;
  const work = scratch && scratch.length >= 2 * pixels ? scratch : new Uint8Array(2 * pixels);
  const a = work.subarray(0, pixels);
  const b = work.subarray(pixels, 2 * pixels);
  for (let p = 0; p < pixels; p++) a[p] = mask[p] ? 1 : 0;
  // Erosion: a pixel stays on if every pixel within the square is on (outside the frame counts as off).
  windowPass(a, b, width, height, radius, true, 1, width);
  windowPass(b, a, height, width, radius, true, width, 1);
  // Dilation: on if any pixel within the square is on.
  windowPass(a, b, width, height, radius, false, 1, width);
  windowPass(b, a, height, width, radius, false, width, 1);
  for (let p = 0; p < pixels; p++) mask[p] = a[p] ? 255 : 0;
}

/**
 * One 1-D pass along `lines` lines of `length` pixels (`step` apart within a line, `stride` between
 * lines): erode = all of the window on, dilate = any of it on, by a running count of ones.
 */
function windowPass(
  src: Uint8Array,
  dst: Uint8Array,
  length: number,
  lines: number,
  radius: number,
  erode: boolean,
  step: number,
  stride: number,
): void {
  const full = 2 * radius + 1;
  for (let line = 0; line < lines; line++) {
    const base = line * stride;
    // count = ones in [i - radius, i + radius] clipped to the line.
    let count = 0;
    for (let i = 0; i < radius && i < length; i++) count += src[base + i * step]!;
    for (let i = 0; i < length; i++) {
      const enter = i + radius;
      if (enter < length) count += src[base + enter * step]!;
      const leave = i - radius - 1;
      if (leave >= 0) count -= src[base + leave * step]!;
      dst[base + i * step] = erode ? (count === full ? 1 : 0) : count > 0 ? 1 : 0;
    }
  }
}
