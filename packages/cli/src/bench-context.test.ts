import { execFileSync } from 'node:child_process';
import { join } from 'node:path';
import { isVideoMatrix, MediaError } from '@lowrank/core';
import { describe, expect, it } from 'vitest';
import { createBenchContext } from './bench-context.js';
import { missingDataHint } from './data-folders.js';
import { sample, tempDir } from './test-support.js';

// The bundled samples stand in for the data folder; the bench folder is empty, so no Python runs.
const samples = sample('');
const noBench = tempDir();

describe('bench context', () => {
  const logs: string[] = [];
  const ctx = createBenchContext({
    dataDir: samples,
    benchDir: noBench,
    repeat: 1,
    log: (m) => logs.push(m),
  });

  it('resolves data paths under the data folder', () => {
    expect(ctx.dataPath('camera.png')).toBe(join(samples, 'camera.png'));
    expect(ctx.dataPath('/elsewhere/x.png')).toBe('/elsewhere/x.png');
  });

  it('decodes an image exactly like reference.py: ffmpeg gray / 255, height x width', async () => {
    const m = await ctx.loadMedia('camera.png', { scale: 0.25 });
    expect([m.rows, m.cols]).toEqual([128, 128]);
    const raw = execFileSync('ffmpeg', [
      '-v',
      'error',
      '-i',
      ctx.dataPath('camera.png'),
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
    const v = await ctx.loadMedia('tiny-traffic-48x48.avi', { frames: 10 });
    expect(isVideoMatrix(v)).toBe(true);
    expect([v.rows, v.cols]).toEqual([10, 48 * 48]);
  });

  it('names a missing file and says where the data set goes', async () => {
    const error = await ctx.loadMedia('video/highway-traffic-320x240.avi').catch((e: unknown) => e);
    expect(error).toBeInstanceOf(MediaError);
    expect((error as Error).message).toBe(
      `${join(samples, 'video/highway-traffic-320x240.avi')}: not found. ${missingDataHint(samples)}`,
    );
  });

  it('says once that the numpy reference is unavailable, naming the missing script and LOWRANK_BENCH', async () => {
    expect(await ctx.reference(['info'])).toBeUndefined();
    expect(await ctx.reference(['info'])).toBeUndefined();
    const said = logs.filter((l) => l.includes('numpy reference unavailable'));
    expect(said).toHaveLength(1);
    expect(said[0]).toContain(`${join(noBench, 'reference.py')} is missing; set LOWRANK_BENCH`);
  });
});
