import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { matrixFrom } from '@lowrank/core';
import { writeImage } from '@lowrank/io';
import { beforeAll, describe, expect, it } from 'vitest';
import { main } from '../main.js';
import { captureIO, tempDir } from '../test-support.js';

let dir: string;

async function png(file: string, width: number, height: number, values: number[]): Promise<void> {
  await writeImage(
    matrixFrom(
      height,
      width,
      Float64Array.from(values, (v) => v / 255),
    ),
    file,
  );
}

async function run(args: string[]) {
  const io = captureIO({ cwd: dir });
  const code = await main(args, io);
  return { code, out: io.out(), err: io.err() };
}

beforeAll(async () => {
  dir = tempDir();
  mkdirSync(join(dir, 'gt'));
  mkdirSync(join(dir, 'masks'));
  // Frame 1: gt labels 255 255 0 50 | 85 170 255 0; mask 255 0 255 0 | 255 255 0 0
  //   evaluated: TP 1 (p0), FN 1 (p1), FP 1 (p2), TN 1 (p3); ignored p4, p5; FN p6; TN p7.
  await png(join(dir, 'gt', 'gt000001.png'), 4, 2, [255, 255, 0, 50, 85, 170, 255, 0]);
  await png(join(dir, 'masks', 'in000001.png'), 4, 2, [255, 0, 255, 0, 255, 255, 0, 0]);
  // Frame 2 (same-stem match): all four positives found, one false positive.
  await png(join(dir, 'gt', 'frame2.png'), 4, 2, [255, 255, 255, 255, 0, 0, 0, 0]);
  await png(join(dir, 'masks', 'frame2.png'), 4, 2, [255, 255, 255, 255, 255, 0, 0, 0]);
  // Frame 3 has no mask: reported, not evaluated.
  await png(join(dir, 'gt', 'gt000003.png'), 4, 2, [0, 0, 0, 0, 0, 0, 0, 0]);
  mkdirSync(join(dir, 'other'));
  await png(join(dir, 'other', 'in000099.png'), 4, 2, [0, 0, 0, 0, 0, 0, 0, 0]);
});

describe('lowrank eval', () => {
  it('pools CDnet counts over matched frames: 255 positive, 0/50 negative, 85/170 ignored', async () => {
    const r = await run(['eval', '--masks', 'masks', '--groundtruth', 'gt', '--json']);
    expect(r.err).toBe('');
    expect(r.code).toBe(0);
    const j = JSON.parse(r.out);
    // TP 1 + 4 = 5, FP 1 + 1 = 2, FN 2 + 0 = 2, TN 2 + 3 = 5, ignored 2.
    expect(j).toMatchObject({
      framesEvaluated: 2,
      framesWithoutMask: 1,
      truePositives: 5,
      falsePositives: 2,
      falseNegatives: 2,
      trueNegatives: 5,
      ignoredPixels: 2,
    });
    expect(j.precision).toBeCloseTo(5 / 7, 12);
    expect(j.recall).toBeCloseTo(5 / 7, 12);
    expect(j.fMeasure).toBeCloseTo(5 / 7, 12);
  });

  it('prints precision, recall and F-measure for people', async () => {
    const r = await run(['eval', '--masks', 'masks', '--groundtruth', 'gt']);
    expect(r.code).toBe(0);
    expect(r.out).toContain('F-measure 0.7143');
  });

  const bad: [string, string[], RegExp][] = [
    ['missing --masks', ['--groundtruth', 'gt'], /"--masks": is required/],
    ['missing --groundtruth', ['--masks', 'masks'], /"--groundtruth": is required/],
    [
      'a masks folder that does not exist',
      ['--masks', 'nope', '--groundtruth', 'gt'],
      /nope: no such folder \(given to --masks\)/,
    ],
    [
      'folders that share no frame',
      ['--masks', 'other', '--groundtruth', 'gt'],
      /No mask in .*other matches/,
    ],
    ['a positional argument', ['masks'], /takes no positional arguments/],
  ];
  for (const [what, args, message] of bad) {
    it(`exits 2 for ${what}`, async () => {
      const r = await run(['eval', ...args]);
      expect(r.code).toBe(2);
      expect(r.err).toMatch(message);
    });
  }
});
