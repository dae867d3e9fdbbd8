import { execFileSync } from 'node:child_process';
import { join } from 'node:path';
import { isVideoMatrix } from '@lowrank/core';
import { describe, expect, it } from 'vitest';
import { createBenchContext } from './bench-context.js';
import { sharedDataDir } from './test-support.js';

const shared = join(sharedDataDir(), '..');

describe('bench context', () => {
  const logs: string[] = [];
  const ctx = createBenchContext({ sharedDir: shared, repeat: 1, log: (m) => logs.push(m) });

  it('resolves data paths under the shared data folder', () => {
    expect(ctx.dataPath('images/camera.png')).toBe(join(shared, 'data', 'images', 'camera.png'));
  });

  it('decodes an image exactly like reference.py: ffmpeg gray / 255, height x width', async () => {
    const m = await ctx.loadMedia('images/camera.png', { scale: 0.25 });
    expect([m.rows, m.cols]).toEqual([128, 128]);
    const raw = execFileSync('ffmpeg', [
      '-v',
      'error',
      '-i',
      ctx.dataPath('images/camera.png'),
      '-vf',
      'scale=128:128:flags=area',
      '-f',
      'rawvideo',
      '-pix_fmt',
      'gray',
      'pipe:1',
    ]);
    expect(raw.length).toBe(128 * 128);
    let maxDiff = 0;
    for (let k = 0; k < raw.length; k++) maxDiff = Math.max(maxDiff, Math.abs(m.data[k]! - raw[k]! / 255));
    expect(maxDiff).toBe(0);
  });

  it('decodes a video as a frames x pixels VideoMatrix', async () => {
    const v = await ctx.loadMedia('video/tiny-traffic-48x48.avi', { frames: 10 });
    expect(isVideoMatrix(v)).toBe(true);
    expect([v.rows, v.cols]).toEqual([10, 48 * 48]);
  });

  it('runs the numpy reference, or says once that it is unavailable', async () => {
    const info = await ctx.reference(['info']);
    if (info === undefined) {
      expect(logs.filter((l) => l.includes('numpy reference unavailable'))).toHaveLength(1);
      expect(await ctx.reference(['info'])).toBeUndefined();
      expect(logs.filter((l) => l.includes('numpy reference unavailable'))).toHaveLength(1);
    } else {
      expect(info).toHaveProperty('numpy');
      expect(info).toHaveProperty('sklearn');
    }
  });
});
