import { psnr } from '@lowrank/core';
import { describe, expect, it } from 'vitest';
import { encodedSize, qualityForSize } from './encoded-size.js';
import { readImage } from './read-image.js';
import { sample, testData } from './test-helpers.js';

describe('encoded size helpers (rate-distortion baseline)', async () => {
  const camera = (await readImage(sample('camera.png'), { scale: 0.25 })).matrix; // 128 x 128
  const astronaut = (await readImage(testData('images/astronaut-256x256.png'), { mode: 'rgb', scale: 0.5 }))
    .channels; // 128 x 128

  it('JPEG and WebP: more quality, more bytes and higher PSNR; PSNR is that of the decoded picture', async () => {
    for (const format of ['jpeg', 'webp'] as const) {
      const low = await encodedSize(camera, { format, quality: 20 });
      const high = await encodedSize(camera, { format, quality: 95 });
      expect(low.bytes).toBeLessThan(high.bytes);
      expect(low.psnr).toBeLessThan(high.psnr);
      expect(low.bytes).toBe(low.data.length);
      expect(high.psnr).toBeCloseTo(psnr(camera, high.decoded[0]!), 10);
      expect(high.psnr).toBeGreaterThan(35);
    }
    const rgb = await encodedSize(astronaut, { format: 'jpeg', quality: 75 });
    expect(rgb.decoded).toHaveLength(3);
    expect(rgb.psnr).toBeGreaterThan(25);
  });

  it('qualityForSize finds the highest quality that fits (q fits, q + 1 does not)', async () => {
    const target = (await encodedSize(camera, { format: 'jpeg', quality: 60 })).bytes + 50;
    const found = await qualityForSize(camera, target, { format: 'jpeg' });
    expect(found.reached).toBe(true);
    expect(found.bytes).toBeLessThanOrEqual(target);
    expect(found.quality).toBeGreaterThanOrEqual(60);
    if (found.quality < 100) {
      const next = await encodedSize(camera, { format: 'jpeg', quality: found.quality + 1 });
      expect(next.bytes).toBeGreaterThan(target);
    }
    const impossible = await qualityForSize(camera, 10, { format: 'webp' });
    expect(impossible.reached).toBe(false);
    expect(impossible.quality).toBe(1);
  });
});
