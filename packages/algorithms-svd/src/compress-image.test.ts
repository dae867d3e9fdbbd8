import { execFileSync } from 'node:child_process';
import { type DenseMatrix, psnr, rankForEnergy, relativeError } from '@lowrank/core';
import { describe, expect, it } from 'vitest';
import { compressImage } from './compress-image.js';
import { svd } from './gram-jacobi-svd.js';
import { chooseRank } from './rank-choice.js';
import { testData } from './test-data.fixture.js';
import { random } from './test-matrices.fixture.js';

/**
 * coffee.png (600 x 400 RGB) downscaled to 300 x 200 (keeps the test light), as three 200 x 300 channels
 * / 255. The test copy is that downscale already (same pixels), so the scale filter leaves it as it is.
 */
function loadCoffee(): DenseMatrix<Float64Array>[] {
  const raw = execFileSync(
    'ffmpeg',
    [
      '-nostdin',
      '-v',
      'error',
      '-i',
      testData('images/coffee-300x200.png'),
      '-vf',
      'scale=300:200:flags=area',
      '-f',
      'rawvideo',
      '-pix_fmt',
      'rgb24',
      'pipe:1',
    ],
    {
      maxBuffer: 1 << 24,
      stdio: ['ignore', 'pipe', 'pipe'],
    },
  );
  const w = 300;
  const h = 200;
  return [0, 1, 2].map((c) => ({
    rows: h,
    cols: w,
    data: Float64Array.from({ length: w * h }, (_, i) => raw[i * 3 + c]! / 255),
  }));
}

describe('compressImage', () => {
  it('counts storage per mode: per-channel c k (h + w + 1), stacked k (h + c w + 1)', () => {
    const channels = [random(20, 30, 1), random(20, 30, 2), random(20, 30, 3)];
    const per = compressImage(channels, { rank: 5, mode: 'per-channel' });
    expect(per.storedNumbers).toBe(3 * 5 * (20 + 30 + 1));
    expect(per.compressionRatio).toBeCloseTo((3 * 600) / per.storedNumbers, 12);
    expect(per.singularValues.length).toBe(3);
    const stacked = compressImage(channels, { rank: 5 });
    expect(stacked.mode).toBe('stacked');
    expect(stacked.storedNumbers).toBe(5 * (20 + 90 + 1));
    expect(stacked.channels.length).toBe(3);
    // Full rank in stacked mode (min(20, 90) = 20) is exact.
    const exact = compressImage(channels, { rank: 20 });
    for (let c = 0; c < 3; c++) expect(relativeError(channels[c]!, exact.channels[c]!)).toBeLessThan(1e-13);
  });

  it('stacked beats per-channel at equal storage on a colour photo (coffee.png)', () => {
    const channels = loadCoffee();
    // per-channel k = 10 stores 3*10*501 = 15 030; stacked k = 13 stores 13*1101 = 14 313 (less).
    const per = compressImage(channels, { rank: 10, mode: 'per-channel' });
    const stacked = compressImage(channels, { rank: 13, mode: 'stacked' });
    expect(stacked.storedNumbers).toBeLessThan(per.storedNumbers);
    const quality = (r: typeof per) => channels.reduce((sum, ch, i) => sum + psnr(ch, r.channels[i]!), 0) / 3;
    expect(quality(stacked)).toBeGreaterThan(quality(per));
  });

  it('works with the randomized method and refuses bad options by name', () => {
    const channels = [random(30, 20, 4)];
    const r = compressImage(channels, { rank: 4, method: 'randomized-svd', randomized: { seed: 1 } });
    const e = compressImage(channels, { rank: 4 });
    expect(relativeError(channels[0]!, r.channels[0]!)).toBeCloseTo(
      relativeError(channels[0]!, e.channels[0]!),
      2,
    );
    expect(() => compressImage(channels, { rank: 0 })).toThrow(expect.objectContaining({ option: 'rank' }));
    expect(() => compressImage(channels, { rank: 21 })).toThrow(expect.objectContaining({ option: 'rank' }));
    expect(() => compressImage(channels, { rank: 2, mode: 'planar' as 'stacked' })).toThrow(
      expect.objectContaining({ option: 'mode' }),
    );
    expect(() => compressImage(channels, { rank: 2, method: 'nmf' as 'svd' })).toThrow(
      expect.objectContaining({ option: 'method' }),
    );
    expect(() => compressImage([random(3, 3, 1), random(3, 4, 1)], { rank: 1 })).toThrow(/one shape/);
    expect(() => compressImage([], { rank: 1 })).toThrow(/at least one/);
  });
});

describe('chooseRank', () => {
  it('finds the smallest rank for energy and PSNR targets and the largest for a compression ratio', () => {
    const a = random(40, 30, 7);
    const { s } = svd(a);
    const k = chooseRank(s, 40, 30, { energy: 0.9 });
    expect(k).toBe(rankForEnergy(s, 0.9));
    let head = 0;
    let total = 0;
    s.forEach((x, i) => {
      total += x * x;
      if (i < k) head += x * x;
    });
    expect(head / total).toBeGreaterThanOrEqual(0.9);
    expect((head - s[k - 1]! ** 2) / total).toBeLessThan(0.9);
    const kp = chooseRank(s, 40, 30, { psnr: 20, peak: 1 });
    let tail = 0;
    for (let i = kp; i < s.length; i++) tail += s[i]! ** 2;
    expect(10 * Math.log10(1 / (tail / 1200))).toBeGreaterThanOrEqual(20);
    expect(chooseRank(s, 40, 30, { compressionRatio: 4 })).toBe(Math.floor(1200 / (4 * 71)));
    expect(() => chooseRank(s, 40, 30, {} as { energy: number })).toThrow(
      expect.objectContaining({ option: 'target' }),
    );
    expect(() => chooseRank(s, 40, 30, { energy: 1.5 })).toThrow(
      expect.objectContaining({ option: 'energy' }),
    );
  });
});
