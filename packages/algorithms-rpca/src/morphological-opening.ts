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

/**
 * openMask with radius 1 (a 3 x 3 square) for masks of 0 and 255 only (the mask model's), the
 * fast path: the same result, each 1-D pass a three-pixel AND (erosion) or OR (dilation) of bytes
 * instead of a running count, four bytes at a time when rows are whole 32-bit words. `scratch`
 * holds 2 x pixels bytes.
 */
export function openSquare3(mask: Uint8Array, width: number, height: number, scratch: Uint8Array): void {
  const pixels = width * height;
  const a = scratch.subarray(0, pixels);
  const b = scratch.subarray(pixels, 2 * pixels);
  const words = width % 4 === 0 && [mask, a, b].every((x) => x.byteOffset % 4 === 0);
  const across = words ? acrossWords : acrossBytes;
  const down = words ? downWords : downBytes;
  across(mask, b, width, height, true);
  down(b, a, width, height, true);
  across(a, b, width, height, false);
  down(b, mask, width, height, false);
}

/**
 * Along each row: dst = src[p - 1] AND (erode) / OR (dilate) src[p] and src[p + 1], outside the
 * row counting as 0.
 */
function acrossBytes(src: Uint8Array, dst: Uint8Array, width: number, height: number, erode: boolean) {
  for (let row = 0; row < width * height; row += width) {
    const last = row + width - 1;
    if (erode) {
      dst[row] = 0;
      for (let p = row + 1; p < last; p++) dst[p] = src[p - 1]! & src[p]! & src[p + 1]!;
      dst[last] = 0;
    } else if (width === 1) {
      dst[row] = src[row]!;
    } else {
      dst[row] = src[row]! | src[row + 1]!;
      for (let p = row + 1; p < last; p++) dst[p] = src[p - 1]! | src[p]! | src[p + 1]!;
      dst[last] = src[last - 1]! | src[last]!;
    }
  }
}

/** Down each column, as acrossBytes along rows. */
function downBytes(src: Uint8Array, dst: Uint8Array, width: number, height: number, erode: boolean) {
  const pixels = width * height;
  if (erode) {
    dst.fill(0, 0, width);
    for (let p = width; p < pixels - width; p++) dst[p] = src[p - width]! & src[p]! & src[p + width]!;
    if (height > 1) dst.fill(0, pixels - width, pixels);
  } else if (height === 1) {
    dst.set(src.subarray(0, pixels));
  } else {
    for (let p = 0; p < width; p++) dst[p] = src[p]! | src[p + width]!;
    for (let p = width; p < pixels - width; p++) dst[p] = src[p - width]! | src[p]! | src[p + width]!;
    for (let p = pixels - width; p < pixels; p++) dst[p] = src[p - width]! | src[p]!;
  }
}

function wordsOf(bytes: Uint8Array): Uint32Array {
  return new Uint32Array(bytes.buffer, bytes.byteOffset, bytes.length >> 2);
}

/**
 * acrossBytes four pixels at a time (rows of whole words): in a little-endian word byte i is bits
 * 8i..8i+7, so the left neighbours of its four bytes are (w << 8) | (previous >>> 24) and the right
 * ones (w >>> 8) | (next << 24).
 */
function acrossWords(src: Uint8Array, dst: Uint8Array, width: number, height: number, erode: boolean) {
  if (!LITTLE_ENDIAN) return acrossBytes(src, dst, width, height, erode);
  const s = wordsOf(src);
  const d = wordsOf(dst);
  const perRow = width >> 2;
  for (let row = 0; row < perRow * height; row += perRow) {
    const last = row + perRow - 1;
    let previous = 0;
    let w = s[row]!;
    for (let i = row; i <= last; i++) {
      const next = i < last ? s[i + 1]! : 0;
      const left = (w << 8) | (previous >>> 24);
      const right = (w >>> 8) | (next << 24);
      d[i] = erode ? w & left & right : w | left | right;
      previous = w;
      w = next;
    }
  }
}

/** downBytes on whole words (no shifts: the neighbours are the words a row above and below). */
function downWords(src: Uint8Array, dst: Uint8Array, width: number, height: number, erode: boolean) {
  const s = wordsOf(src);
  const d = wordsOf(dst);
  const row = width >> 2;
  const n = row * height;
  if (erode) {
    d.fill(0, 0, row);
    for (let i = row; i < n - row; i++) d[i] = s[i - row]! & s[i]! & s[i + row]!;
    if (height > 1) d.fill(0, n - row, n);
  } else if (height === 1) {
    d.set(s.subarray(0, n));
  } else {
    for (let i = 0; i < row; i++) d[i] = s[i]! | s[i + row]!;
    for (let i = row; i < n - row; i++) d[i] = s[i - row]! | s[i]! | s[i + row]!;
    for (let i = n - row; i < n; i++) d[i] = s[i - row]! | s[i]!;
  }
}

const LITTLE_ENDIAN = new Uint8Array(new Uint32Array([1]).buffer)[0] === 1;
