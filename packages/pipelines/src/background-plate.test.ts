import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { zeros } from '@lowrank/core';
import { readImage, writeImage } from '@lowrank/io';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { backgroundPlate } from './background-plate.js';

let dir = '';
/** The scene without the visitor: a gradient with a lamp post. */
const scene = (x: number, y: number) => (x === 20 ? 0.9 : 0.15 + (0.6 * x) / 40 + (0.1 * y) / 30);

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'lowrank-plate-'));
  // Twelve photos of one scene from one spot; in each, a dark 6 x 10 "tourist" stands somewhere else.
  mkdirSync(join(dir, 'photos'));
  for (let f = 0; f < 12; f++) {
    const m = zeros(30, 40);
    for (let y = 0; y < 30; y++)
      for (let x = 0; x < 40; x++) {
        const tourist = x >= 3 * f && x < 3 * f + 6 && y >= 12 && y < 22;
        m.data[y * 40 + x] = tourist ? 0.05 : scene(x, y) + 0.002 * (((x * 7 + y * 3 + f) % 5) - 2);
      }
    await writeImage(m, join(dir, 'photos', `photo-${String(f).padStart(2, '0')}.png`));
  }
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('backgroundPlate', () => {
  it('removes what moves from a folder of photos of one scene (robust PCA, median of L)', async () => {
    const out = join(dir, 'plate.png');
    const plate = await backgroundPlate(join(dir, 'photos'), { out });
    expect([plate.width, plate.height, plate.frames, plate.method]).toEqual([40, 30, 12, 'rpca']);
    const written = (await readImage(out)).matrix;
    let worst = 0;
    for (let y = 0; y < 30; y++)
      for (let x = 0; x < 40; x++) worst = Math.max(worst, Math.abs(written.data[y * 40 + x]! - scene(x, y)));
    // Every pixel within 3 gray levels of the empty scene: no tourist anywhere.
    expect(worst).toBeLessThan(3 / 255);
  });

  it('refuses an existing plate before any work', async () => {
    const out = join(dir, 'taken.png');
    await writeImage(zeros(2, 2), out);
    await expect(backgroundPlate(join(dir, 'photos'), { out })).rejects.toMatchObject({
      code: 'OUTPUT_EXISTS',
    });
  });
});
