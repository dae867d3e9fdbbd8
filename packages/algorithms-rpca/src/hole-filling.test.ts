import { describe, expect, it } from 'vitest';
import { fillHoles } from './hole-filling.js';

/** A binary frame from rows of '#' (foreground) and '.' (background). */
function frame(rows: string[]): { mask: Uint8Array; width: number; height: number } {
  const width = rows[0]!.length;
  const mask = Uint8Array.from(rows.join(''), (c) => (c === '#' ? 255 : 0));
  return { mask, width, height: rows.length };
}

function picture(mask: Uint8Array, width: number): string[] {
  const rows: string[] = [];
  for (let y = 0; y < mask.length / width; y++)
    rows.push(Array.from(mask.subarray(y * width, (y + 1) * width), (v) => (v ? '#' : '.')).join(''));
  return rows;
}

describe('fillHoles', () => {
  it('fills the hole of a ring and nothing outside it', () => {
    const { mask, width, height } = frame([
      '........',
      '.#####..',
      '.#...#..',
      '.#...#..',
      '.#####..',
      '........',
    ]);
    expect(fillHoles(mask, width, height)).toBe(6);
    expect(picture(mask, width)).toEqual([
      '........',
      '.#####..',
      '.#####..',
      '.#####..',
      '.#####..',
      '........',
    ]);
  });

  it('leaves a bay open to the outside and a region touching the border', () => {
    const rows = [
      '#####...',
      '#...#...',
      '#.......', // the ring is open on the right: a bay, not a hole
      '#####...',
    ];
    const { mask, width, height } = frame(rows);
    expect(fillHoles(mask, width, height)).toBe(0);
    expect(picture(mask, width)).toEqual(rows);
  });

  it('treats background that touches only diagonally as enclosed (4-connected background)', () => {
    const { mask, width, height } = frame(['..#..', '.#.#.', '..#..']);
    expect(fillHoles(mask, width, height)).toBe(1);
    expect(mask[1 * width + 2]).toBe(255);
  });

  it('keeps holes larger than maxHoleArea', () => {
    const { mask, width, height } = frame(['#######', '#..#..#', '#..#..#', '####.##', '#....##', '#######']);
    // Two holes: 4 pixels (top left) and 4 + 1 + 4 = 9 pixels joined through the gap.
    expect(fillHoles(mask, width, height, 4)).toBe(4);
    expect(picture(mask, width)).toEqual(['#######', '####..#', '####..#', '####.##', '#....##', '#######']);
    expect(fillHoles(mask, width, height, 0)).toBe(0);
  });
});
