import { describe, expect, it } from 'vitest';
import { growFromSeeds } from './hysteresis.js';

/** Levels from rows of 'S' (strong, 2), 'w' (weak, 1) and '.' (0). */
function levels(rows: string[]) {
  const width = rows[0]!.length;
  const level = Uint8Array.from(rows.join(''), (c) => (c === 'S' ? 2 : c === 'w' ? 1 : 0));
  return { level, width, height: rows.length };
}

function kept(out: Uint8Array, width: number): string[] {
  const rows: string[] = [];
  for (let y = 0; y < out.length / width; y++)
    rows.push(Array.from(out.subarray(y * width, (y + 1) * width), (v) => (v ? '#' : '.')).join(''));
  return rows;
}

describe('growFromSeeds (hysteresis)', () => {
  it('keeps weak pixels connected to a strong seed and drops an isolated weak one', () => {
    const { level, width, height } = levels(['ww.....w', '.S.....w', '..w.....', '...w..w.']);
    const out = new Uint8Array(width * height);
    growFromSeeds(level, width, height, out);
    expect(kept(out, width)).toEqual([
      '##......',
      '.#......',
      '..#.....',
      '...#....', // the chain of weak pixels grows diagonally from the seed; the right-hand ones have no seed
    ]);
  });

  it('keeps every strong pixel, even alone, and nothing without a seed', () => {
    const { level, width, height } = levels(['S..w', '....', 'ww.S']);
    const out = new Uint8Array(width * height);
    growFromSeeds(level, width, height, out);
    expect(kept(out, width)).toEqual(['#...', '....', '...#']);
  });
});
