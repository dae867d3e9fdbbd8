import type { ChannelFactors } from './protocol.js';

/**
 * A preview's factors at the image's size (rows x rank and cols x rank): each of the `block`-th
 * rows sent repeated `block` times, the last run cut at the image's edge. Factors without a block
 * are returned as they are.
 */
export function expandBlocks(factors: ChannelFactors, rows: number, cols: number): ChannelFactors {
  const block = factors.block;
  if (block === undefined || block <= 1) return factors;
  const k = factors.rank;
  const repeat = (small: Float32Array, length: number) => {
    const out = new Float32Array(length * k);
    const have = small.length / k;
    for (let i = 0; i < length; i++) {
      const from = Math.min(Math.floor(i / block), have - 1) * k;
      out.set(small.subarray(from, from + k), i * k);
    }
    return out;
  };
  return { rank: k, s: factors.s, u: repeat(factors.u, rows), v: repeat(factors.v, cols) };
}

/** The inverse for sending: every `block`-th row of image-size factors whose rows repeat in runs of `block`. */
export function sampleBlocks(factors: ChannelFactors, block: number): ChannelFactors {
  if (block <= 1) return factors;
  const k = factors.rank;
  const sample = (full: Float32Array) => {
    const rows = full.length / k;
    const out = new Float32Array(Math.ceil(rows / block) * k);
    for (let r = 0; r * block < rows; r++) out.set(full.subarray(r * block * k, (r * block + 1) * k), r * k);
    return out;
  };
  return { rank: k, s: factors.s, u: sample(factors.u), v: sample(factors.v), block };
}
