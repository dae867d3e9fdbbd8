/**
 * Fills holes in one binary frame, in place: a background region (4-connected) that does not touch
 * the frame's border is enclosed by foreground, so it is part of the object (a car's windscreen,
 * a van whose side matches the road) unless it is larger than `maxHoleArea` pixels. Linear time:
 * a flood fill from the border marks the outside, then each remaining region is measured once.
 *
 * `scratch` (optional) holds 2 x pixels Int32 entries (the stack and a region's members), `marks`
 * (optional) pixels bytes. Returns the number of pixels filled.
 */
export function fillHoles(
  mask: Uint8Array,
  width: number,
  height: number,
  maxHoleArea = Number.POSITIVE_INFINITY,
  scratch?: Int32Array,
  marks?: Uint8Array,
): number {
  const pixels = width * height;
  if (maxHoleArea < 1 || pixels === 0) return 0;
  const work = scratch && scratch.length >= 2 * pixels ? scratch : new Int32Array(2 * pixels);
  // 0 = unvisited background, 1 = outside (reached from the border), 2 = measured hole.
  const seen = marks && marks.length >= pixels ? marks.subarray(0, pixels) : new Uint8Array(pixels);
  seen.fill(0);
  const stack = work.subarray(0, pixels);
  const members = work.subarray(pixels, 2 * pixels);
  let top = 0;
  const reach = (p: number) => {
    if (mask[p] === 0 && seen[p] === 0) {
      seen[p] = 1;
      stack[top++] = p;
    }
  };
  for (let x = 0; x < width; x++) {
    reach(x);
    reach((height - 1) * width + x);
  }
  for (let y = 0; y < height; y++) {
    reach(y * width);
    reach(y * width + width - 1);
  }
  while (top > 0) {
    const p = stack[--top]!;
    const x = p % width;
    if (x > 0) reach(p - 1);
    if (x < width - 1) reach(p + 1);
    if (p >= width) reach(p - width);
    if (p < pixels - width) reach(p + width);
  }
  let filled = 0;
  for (let start = 0; start < pixels; start++) {
    if (mask[start] !== 0 || seen[start] !== 0) continue;
    // An enclosed region: collect it (members doubles as the stack's record), then decide.
    let count = 0;
    const collect = (q: number) => {
      if (mask[q] === 0 && seen[q] === 0) {
        seen[q] = 2;
        members[count++] = q;
      }
    };
    collect(start);
    for (let head = 0; head < count; head++) {
      const p = members[head]!;
      const x = p % width;
      if (x > 0) collect(p - 1);
      if (x < width - 1) collect(p + 1);
      if (p >= width) collect(p - width);
      if (p < pixels - width) collect(p + width);
    }
    if (count <= maxHoleArea) {
      for (let i = 0; i < count; i++) mask[members[i]!] = 255;
      filled += count;
    }
  }
  return filled;
}
