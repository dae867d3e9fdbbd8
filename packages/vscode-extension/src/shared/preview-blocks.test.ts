import { describe, expect, it } from 'vitest';
import { expandBlocks, sampleBlocks } from './preview-blocks.js';
import type { ChannelFactors } from './protocol.js';

describe('preview blocks', () => {
  it('sends every block-th row and restores the repeated rows exactly, the last run cut at the edge', () => {
    // rank 2; 7 rows in runs of 3 (3 + 3 + 1), 5 columns in runs of 3 (3 + 2).
    const u = Float32Array.from([1, 2, 1, 2, 1, 2, 3, 4, 3, 4, 3, 4, 5, 6]);
    const v = Float32Array.from([7, 8, 7, 8, 7, 8, 9, 10, 9, 10]);
    const full: ChannelFactors = { rank: 2, s: Float32Array.from([3, 1]), u, v };
    const sent = sampleBlocks(full, 3);
    expect(sent.block).toBe(3);
    expect(Array.from(sent.u)).toEqual([1, 2, 3, 4, 5, 6]);
    expect(Array.from(sent.v)).toEqual([7, 8, 9, 10]);
    const back = expandBlocks(sent, 7, 5);
    expect(Array.from(back.u)).toEqual(Array.from(u));
    expect(Array.from(back.v)).toEqual(Array.from(v));
    expect(back.block).toBeUndefined();
  });

  it('leaves factors without a block as they are', () => {
    const f: ChannelFactors = {
      rank: 1,
      s: Float32Array.of(1),
      u: Float32Array.of(1, 2),
      v: Float32Array.of(3),
    };
    expect(expandBlocks(f, 2, 1)).toBe(f);
    expect(sampleBlocks(f, 1)).toBe(f);
  });
});
