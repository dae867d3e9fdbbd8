/**
 * Removes connected foreground components (8-connectivity) smaller than `minArea` pixels from one
 * binary frame, in place. Isolated false detections (noise, leaves) are usually tiny; cars and
 * people are not. Linear time: one flood fill per component with an explicit stack.
 */
export function removeSmallBlobs(
  mask: Uint8Array,
  width: number,
  height: number,
  minArea: number,
  scratch?: Int32Array,
): number {
  if (minArea <= 1) return 0;
  const pixels = width * height;
  const stack = scratch && scratch.length >= pixels ? scratch : new Int32Array(pixels);
  // 1 = foreground not yet visited, 2 = visited (restored to 255 if the blob is kept).
  for (let p = 0; p < pixels; p++) if (mask[p]) mask[p] = 1;
  let removed = 0;
  for (let start = 0; start < pixels; start++) {
    if (mask[start] !== 1) continue;
    let top = 0;
    let head = 0;
    stack[top++] = start;
    mask[start] = 2;
    // The stack keeps every member (head walks it), so the blob can be erased afterwards.
    while (head < top) {
      const p = stack[head++]!;
      const x = p % width;
      const y = (p - x) / width;
      for (let dy = -1; dy <= 1; dy++) {
        const yy = y + dy;
        if (yy < 0 || yy >= height) continue;
        for (let dx = -1; dx <= 1; dx++) {
          const xx = x + dx;
          if (xx < 0 || xx >= width) continue;
          const q = yy * width + xx;
          if (mask[q] === 1) {
            mask[q] = 2;
            stack[top++] = q;
          }
        }
      }
    }
    const keep = top >= minArea;
    for (let i = 0; i < top; i++) mask[stack[i]!] = keep ? 3 : 0;
    if (!keep) removed += top;
  }
  for (let p = 0; p < pixels; p++) if (mask[p]) mask[p] = 255;
  return removed;
}
