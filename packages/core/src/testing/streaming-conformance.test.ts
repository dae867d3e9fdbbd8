import { describe, expect, it } from 'vitest';
import { assertStreamingConformance, checkStreamingFactorizer, type StreamingCheckName } from './index.js';
import { runningMeanPlugin, type StreamingDefects } from './plugins.fixture.js';

describe('streaming conformance kit', () => {
  it('passes a correct streaming separator', async () => {
    const report = await assertStreamingConformance(runningMeanPlugin());
    expect(report.results.map((r) => r.status)).toEqual(Array(9).fill('passed'));
  });

  const cases: [string, StreamingDefects, StreamingCheckName, RegExp][] = [
    ['keeps every frame', { keepsEveryFrame: true }, 'state-stays-bounded', /state grew from \d+ bytes/],
    [
      'drops frames',
      { dropsFrames: true },
      'frames-out-equal-frames-in',
      /48 frames went in and 44 came out/,
    ],
    [
      'accepts a frame of the wrong size',
      { acceptsWrongSize: true },
      'refuses-wrong-frame-size',
      /was accepted/,
    ],
    ['ignores an aborted signal', { ignoresAbort: true }, 'honours-abort', /already-aborted signal ran/],
    [
      'reports a negative noise level',
      { negativeNoiseLevel: true },
      'noise-level-is-sound',
      /noiseLevel\(\) after 48 frames has value -[\d.e+-]+ at 0;/,
    ],
  ];
  for (const [what, defects, check, message] of cases) {
    it(`catches a separator that ${what}`, async () => {
      const report = await checkStreamingFactorizer(runningMeanPlugin(defects));
      const hit = report.results.find((r) => r.name === check);
      expect(hit?.status, JSON.stringify(report.results)).toBe('failed');
      expect(hit!.message).toMatch(message);
      await expect(assertStreamingConformance(runningMeanPlugin(defects))).rejects.toThrow(
        new RegExp(`- ${check}: `),
      );
    });
  }
});
