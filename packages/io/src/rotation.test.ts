import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { probeVideo } from './probe-video.js';
import { readVideoMatrix } from './read-video-matrix.js';

const tiny = fileURLToPath(new URL('../../../samples/tiny-traffic-48x48.avi', import.meta.url));
let dir = '';
let plain = '';
let rotated = '';

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'lowrank-rotation-'));
  plain = join(dir, 'plain.mp4');
  rotated = join(dir, 'rotated.mp4');
  // A 48 x 32 clip, then the same stream (copied, not re-encoded) tagged as a phone video turned a quarter.
  execFileSync('ffmpeg', [
    '-v',
    'error',
    '-i',
    tiny,
    '-vf',
    'crop=48:32:0:0',
    '-frames:v',
    '4',
    '-c:v',
    'mpeg4',
    '-q:v',
    '2',
    plain,
  ]);
  execFileSync('ffmpeg', ['-v', 'error', '-i', plain, '-c', 'copy', '-metadata:s:v:0', 'rotate=90', rotated]);
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('rotation metadata', () => {
  it('is honoured: a quarter turn swaps the sides and the frames come out turned, not squeezed', async () => {
    const info = await probeVideo(rotated);
    expect([info.width, info.height, info.rotation]).toEqual([32, 48, 90]);
    const upright = (await readVideoMatrix(plain, { count: 1 })).matrix;
    const turned = (await readVideoMatrix(rotated, { count: 1 })).matrix;
    expect([turned.width, turned.height]).toEqual([32, 48]);
    // Rotation by 90 degrees (display matrix 90 = counter-clockwise): turned(x, y) = upright(47 - y, x)...
    // whichever way ffmpeg turns, every turned pixel is one of the upright frame's, moved: compare
    // both quarter turns and require one to match exactly (the same decoded samples).
    const at = (m: typeof upright, x: number, y: number) => m.data[y * m.width + x]!;
    let clockwise = true;
    let counter = true;
    for (let y = 0; y < 48; y++)
      for (let x = 0; x < 32; x++) {
        if (at(turned, x, y) !== at(upright, y, 31 - x)) clockwise = false;
        if (at(turned, x, y) !== at(upright, 47 - y, x)) counter = false;
      }
    expect(clockwise || counter).toBe(true);
  });
});
