import { relativeError, videoMatrixFrom } from '@lowrank/core';
import type { BenchContext } from '@lowrank/core/bench';
import { describe, expect, it } from 'vitest';
import benchSuiteDefault, { benchSuite, truncatedRelativeError } from './bench.js';
import { reconstructFromFactors } from './low-rank-svd-result.js';
import { randomizedSvd } from './randomized-svd.js';
import { random } from './test-matrices.fixture.js';

describe('bench suite', () => {
  it('computes the truncated error without forming the approximation', () => {
    const a = random(40, 25, 1);
    const f = randomizedSvd(a, 6);
    expect(truncatedRelativeError(a, f)).toBeCloseTo(relativeError(a, reconstructFromFactors(f, 6)), 12);
  });

  it('runs both cases against a stub context (media and reference supplied by the harness)', async () => {
    expect(benchSuiteDefault).toBe(benchSuite);
    expect(benchSuite.cases.map((c) => c.name)).toEqual([
      'randomized-svd-highway-rank10',
      'svd-camera-exact',
    ]);
    const requested: string[][] = [];
    const ctx: BenchContext = {
      async loadMedia(path) {
        return path.endsWith('.avi')
          ? videoMatrixFrom(random(30, 48, 2).data, { frames: 30, width: 8, height: 6 })
          : random(24, 24, 3);
      },
      async reference(args) {
        requested.push([...args]);
        return args[0] === 'svd'
          ? { seconds: 0.5, singular_values_head: [1, 0.5] }
          : { seconds: 2, relative_error: 0.1 };
      },
      dataPath: (relative) => `/data/${relative}`,
      repeat: 1,
      log: () => {},
    };
    const [video] = await benchSuite.cases[0]!.run(ctx);
    expect(video!.case).toBe('randomized-svd-highway-rank10');
    expect(video!.ratio).toBeCloseTo(video!.seconds / 2, 12);
    expect(video!.referenceRelativeError).toBe(0.1);
    expect(video!.relativeError).toBeGreaterThan(0);
    const [camera] = await benchSuite.cases[1]!.run(ctx);
    expect(camera!.relativeError).toBeLessThan(1e-13);
    expect(camera!.referenceSeconds).toBe(0.5);
    expect(requested).toEqual([
      ['rsvd', '/data/video/highway-traffic-320x240.avi', '--rank', '10', '--repeat', '1'],
      ['svd', '/data/images/camera.png', '--repeat', '1'],
    ]);
  });
});
