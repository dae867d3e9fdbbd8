/**
 * Morphological opening of one binary frame (0 / non-zero) with a (2 radius + 1)-square structuring
 * element: an erosion then a dilation. Removes specks and thin lines narrower than the square
 * while keeping the shape of larger objects. Separable (rows then columns), so O(pixels * radius).
 */
export function openMask(mask: Uint8Array, width: number, height: number, radius: number): void {
  if (radius < 1) return;
  const a = new Uint8Array(width * height);
  const b = new Uint8Array(width * height);
  for (let p = 0; p < mask.length && p < a.length; p++) a[p] = mask[p] ? 1 : 0;
  // Erosion: a pixel stays on if every pixel within the square is on (outside the frame counts as off).
  pass(a, b, width, height, radius, true, 'rows');
  pass(b, a, width, height, radius, true, 'cols');
  // Dilation: on if any pixel within the square is on.
  pass(a, b, width, height, radius, false, 'rows');
  pass(b, a, width, height, radius, false, 'cols');
  for (let p = 0; p < a.length; p++) mask[p] = a[p] ? 255 : 0;
}

function pass(
  src: Uint8Array,
  dst: Uint8Array,
  width: number,
  height: number,
  radius: number,
  erode: boolean,
  along: 'rows' | 'cols',
): void {
  for (let y = 0; y < height; y++)
    for (let x = 0; x < width; x++) {
      let on = erode ? 1 : 0;
      for (let d = -radius; d <= radius; d++) {
        const xx = along === 'rows' ? x + d : x;
        const yy = along === 'cols' ? y + d : y;
        const inside = xx >= 0 && xx < width && yy >= 0 && yy < height;
        const v = inside ? src[yy * width + xx]! : 0;
        if (erode && !v) {
          on = 0;
          break;
        }
        if (!erode && v) {
          on = 1;
          break;
        }
      }
      dst[y * width + x] = on;
    }
}
