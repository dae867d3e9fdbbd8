import { createRng } from '@lowrank/core';
import { describe, expect, it } from 'vitest';
import { fillHoles } from './hole-filling.js';
import { growFromSeeds } from './hysteresis.js';
import { openMask, openSquare3 } from './morphological-opening.js';
import { RunLabelling } from './run-labelling.js';
import { removeSmallBlobs } from './small-blob-removal.js';

/** Frame sizes with the edge cases: one row, one column, tiny, odd, rows of whole 32-bit words. */
const SIZES: [number, number][] = [
  [1, 1],
  [1, 9],
  [9, 1],
  [2, 2],
  [3, 3],
  [4, 1],
  [4, 4],
  [8, 3],
  [7, 5],
  [33, 17],
  [64, 48],
];

/** Random blobs: a pixel is on with a probability that varies smoothly, so regions form. */
function randomMask(width: number, height: number, seed: number, density: number): Uint8Array {
  const rng = createRng(seed);
  const mask = new Uint8Array(width * height);
  const cx = rng.next() * width;
  const cy = rng.next() * height;
  for (let y = 0; y < height; y++)
    for (let x = 0; x < width; x++) {
      const near = Math.exp(-((x - cx) ** 2 + (y - cy) ** 2) / (0.1 * width * height + 1));
      mask[y * width + x] = rng.next() < density * (0.5 + near) ? 255 : 0;
    }
  return mask;
}

describe('RunLabelling gives the flood fills results', () => {
  it('hysteresis, with and without polarity, on random levels', () => {
    for (const [width, height] of SIZES)
      for (let seed = 0; seed < 12; seed++) {
        const rng = createRng(100 + seed);
        const level = new Uint8Array(width * height);
        const polarity = new Uint8Array(width * height);
        for (let p = 0; p < level.length; p++) {
          const u = rng.next();
          level[p] = u < 0.08 ? 2 : u < 0.55 ? 1 : 0;
          polarity[p] = rng.next() < 0.7 ? 1 : 0;
        }
        const runs = new RunLabelling(width, height);
        for (const sign of [undefined, polarity]) {
          const expected = new Uint8Array(width * height);
          growFromSeeds(level, width, height, expected, undefined, sign);
          const got = new Uint8Array(width * height).fill(7);
          runs.growFromSeeds(level, got, sign);
          expect(got).toEqual(expected);
        }
      }
  });

  it('small-blob removal and hole filling, for several areas', () => {
    for (const [width, height] of SIZES)
      for (let seed = 0; seed < 12; seed++) {
        const runs = new RunLabelling(width, height);
        const mask = randomMask(width, height, seed, 0.3 + 0.04 * seed);
        for (const minArea of [0, 2, 5, 15]) {
          const expected = mask.slice();
          const removed = removeSmallBlobs(expected, width, height, minArea);
          const got = mask.slice();
          expect(runs.removeSmallBlobs(got, minArea)).toBe(removed);
          expect(got).toEqual(expected);
        }
        for (const maxArea of [0, 1, 3, 10, Number.POSITIVE_INFINITY]) {
          const expected = mask.slice();
          const filled = fillHoles(expected, width, height, maxArea);
          const got = mask.slice();
          expect(runs.fillHoles(got, maxArea)).toBe(filled);
          expect(got).toEqual(expected);
        }
      }
  });

  it('joins runs that meet only at a corner across a change of polarity (8-connectivity)', () => {
    // Row 0: a weak run of polarity 0 then a strong one of polarity 1; row 1: a weak run of
    // polarity 1 under the first, touching the strong run diagonally only.
    const width = 6;
    const level = Uint8Array.from([1, 1, 1, 2, 2, 0, 1, 1, 1, 0, 0, 0]);
    const polarity = Uint8Array.from([0, 0, 0, 1, 1, 1, 1, 1, 1, 1, 1, 1]);
    const expected = new Uint8Array(12);
    growFromSeeds(level, width, 2, expected, undefined, polarity);
    const got = new Uint8Array(12);
    new RunLabelling(width, 2).growFromSeeds(level, got, polarity);
    expect(got).toEqual(expected);
    expect(Array.from(got)).toEqual([0, 0, 0, 255, 255, 0, 255, 255, 255, 0, 0, 0]);
  });
});

describe('openSquare3', () => {
  it('gives openMask with radius 1 on random masks of every size', () => {
    for (const [width, height] of SIZES)
      for (let seed = 0; seed < 8; seed++) {
        const mask = randomMask(width, height, 50 + seed, 0.5 + 0.05 * seed);
        const expected = mask.slice();
        openMask(expected, width, height, 1);
        const got = mask.slice();
        openSquare3(got, width, height, new Uint8Array(2 * width * height));
        expect(got).toEqual(expected);
      }
  });
});
