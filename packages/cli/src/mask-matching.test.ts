import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { matchMasks, scores } from './mask-matching.js';
import { tempDir } from './test-support.js';

function touch(dir: string, names: string[]): void {
  mkdirSync(dir, { recursive: true });
  for (const n of names) writeFileSync(join(dir, n), '');
}

describe('matchMasks', () => {
  it('pairs gtNNNNNN with inNNNNNN masks, then same-stem masks, and reports frames without a mask', async () => {
    const root = tempDir();
    touch(join(root, 'gt'), [
      'gt001460.png',
      'gt001461.png',
      'frame-000001.png',
      'gt001462.png',
      'notes.txt',
    ]);
    touch(join(root, 'masks'), ['in001460.png', 'in001461.png', 'frame-000001.png', '.hidden.png']);
    const m = await matchMasks(join(root, 'masks'), join(root, 'gt'));
    expect(m.pairs.map((p) => [p.stem, p.mask.split('/').pop()])).toEqual([
      ['frame-000001', 'frame-000001.png'],
      ['gt001460', 'in001460.png'],
      ['gt001461', 'in001461.png'],
    ]);
    expect(m.unmatchedGroundTruth.map((f) => f.split('/').pop())).toEqual(['gt001462.png']);
  });

  it('refuses folders that do not exist, are empty, or share no frame, naming the flag and folder', async () => {
    const root = tempDir();
    touch(join(root, 'gt'), ['gt000001.png']);
    touch(join(root, 'masks'), ['in000002.png']);
    touch(join(root, 'empty'), []);
    await expect(matchMasks(join(root, 'nope'), join(root, 'gt'))).rejects.toThrow(
      /nope: no such folder \(given to --masks\)/,
    );
    await expect(matchMasks(join(root, 'empty'), join(root, 'gt'))).rejects.toThrow(
      /no mask images found \(given to --masks\)/,
    );
    await expect(matchMasks(join(root, 'masks'), join(root, 'empty'))).rejects.toThrow(
      /no ground-truth images found/,
    );
    await expect(matchMasks(join(root, 'masks'), join(root, 'gt'))).rejects.toThrow(/No mask in .* matches/);
  });
});

describe('scores', () => {
  it('computes precision, recall and F-measure from pooled counts', () => {
    // 6 TP, 2 FP, 4 FN: precision 0.75, recall 0.6, F = 2 * 0.45 / 1.35 = 2/3.
    const s = scores({ tp: 6, fp: 2, fn: 4, tn: 100, ignored: 7 });
    expect(s.precision).toBeCloseTo(0.75, 12);
    expect(s.recall).toBeCloseTo(0.6, 12);
    expect(s.fMeasure).toBeCloseTo(2 / 3, 12);
    expect(scores({ tp: 0, fp: 0, fn: 0, tn: 5, ignored: 0 })).toEqual({
      precision: 0,
      recall: 0,
      fMeasure: 0,
    });
  });
});
