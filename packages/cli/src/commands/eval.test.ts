import { existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { matrixFrom } from '@lowrank/core';
import { writeImage } from '@lowrank/io';
import { chromium } from 'playwright-core';
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
  // The input frames, where CDnet keeps them: input/ beside the ground-truth folder.
  mkdirSync(join(dir, 'input'));
  for (const name of ['in000001.png', 'frame2.png']) {
    const channel = (v: number) => matrixFrom(2, 4, new Float64Array(8).fill(v));
    await writeImage([channel(0.2), channel(0.5), channel(0.8)], join(dir, 'input', name));
  }
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

  it('writes a self-contained HTML report with the worst frames, atomically, and refuses to overwrite it', async () => {
    const r = await run([
      'eval',
      '--masks',
      'masks',
      '--groundtruth',
      'gt',
      '--report',
      'report.html',
      '--json',
    ]);
    expect(r.err).toBe('');
    expect(r.code).toBe(0);
    const j = JSON.parse(r.out);
    expect(j.report).toBe('report.html');
    // Per-frame counts, in name order: frame2 has TP 4, FP 1, FN 0; gt000001 TP 1, FP 1, FN 2.
    expect(
      j.perFrame.map((f: { truePositives: number; falsePositives: number; falseNegatives: number }) => [
        f.truePositives,
        f.falsePositives,
        f.falseNegatives,
      ]),
    ).toEqual([
      [4, 1, 0],
      [1, 1, 2],
    ]);
    const html = readFileSync(join(dir, 'report.html'), 'utf8');
    for (const id of ['summary', 'per-frame', 'worst']) expect(html).toContain(`id="${id}"`);
    expect(html).not.toMatch(/(src|href)="(https?:)?\/\//);
    expect(html).not.toContain('<script');
    // Worst first: frame 1 (F 0.4) before frame 2 (F 8/9); four pictures each (frame, mask, truth, errors).
    expect(html.indexOf('gt000001.png: F 0.400')).toBeGreaterThan(0);
    expect(html.indexOf('gt000001.png: F 0.400')).toBeLessThan(html.indexOf('frame2.png: F 0.889'));
    expect((html.match(/<img /g) ?? []).length).toBe(8);
    expect(readdirSync(dir).filter((n) => n.includes('partial'))).toEqual([]);

    const again = await run(['eval', '--masks', 'masks', '--groundtruth', 'gt', '--report', 'report.html']);
    expect(again.code).toBe(2);
    expect(again.err).toMatch(/report\.html.*exists/);
    writeFileSync(join(dir, 'report.html'), 'old');
    const forced = await run([
      'eval',
      '--masks',
      'masks',
      '--groundtruth',
      'gt',
      '--report',
      'report.html',
      '--worst',
      '1',
      '--force',
    ]);
    expect(forced.code).toBe(0);
    expect(forced.out).toContain('report report.html');
    const replaced = readFileSync(join(dir, 'report.html'), 'utf8');
    expect((replaced.match(/<img /g) ?? []).length).toBe(4);
  });

  it('renders the report in headless Chromium: the chart is drawn and every picture decodes', async () => {
    const r = await run(['eval', '--masks', 'masks', '--groundtruth', 'gt', '--report', 'chromium.html']);
    expect(r.code).toBe(0);
    const browser = await chromium.launch({
      executablePath: '/usr/bin/chromium',
      args: ['--no-sandbox', '--disable-gpu'],
    });
    try {
      const page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
      await page.goto(pathToFileURL(join(dir, 'chromium.html')).href);
      for (const id of ['summary', 'per-frame', 'worst'])
        expect(await page.locator(`section#${id}`).count()).toBe(1);
      const sizes = await page.$$eval('img', (els) =>
        els.map(
          (e) =>
            (e as unknown as { naturalWidth: number; naturalHeight: number }).naturalWidth *
            (e as unknown as { naturalHeight: number }).naturalHeight,
        ),
      );
      expect(sizes).toHaveLength(8);
      for (const size of sizes) expect(size).toBe(8); // 4 x 2 frames, shown at full size
      const chart = await page.$$eval('svg.chart path.series', (els) => els.length);
      expect(chart).toBe(3); // F-measure, precision, recall
    } finally {
      await browser.close();
    }
  });

  it('leaves the frame out where the frames folder has none', async () => {
    const r = await run([
      'eval',
      '--masks',
      'masks',
      '--groundtruth',
      'gt',
      '--report',
      'no-frames.html',
      '--frames',
      'other',
    ]);
    expect(r.code).toBe(0);
    const html = readFileSync(join(dir, 'no-frames.html'), 'utf8');
    // other/ has no frame for either ground truth: three pictures per frame.
    expect((html.match(/<img /g) ?? []).length).toBe(6);
    expect(existsSync(join(dir, 'no-frames.html'))).toBe(true);
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
    [
      '--worst without --report',
      ['--masks', 'masks', '--groundtruth', 'gt', '--worst', '2'],
      /"--worst": only applies with --report/,
    ],
    [
      '--frames that does not exist',
      ['--masks', 'masks', '--groundtruth', 'gt', '--report', 'x.html', '--frames', 'nope'],
      /"--frames": nope: no such folder/,
    ],
    [
      'a report in a missing folder',
      ['--masks', 'masks', '--groundtruth', 'gt', '--report', 'missing/x.html'],
      /does not exist/,
    ],
  ];
  for (const [what, args, message] of bad) {
    it(`exits 2 for ${what}`, async () => {
      const r = await run(['eval', ...args]);
      expect(r.code).toBe(2);
      expect(r.err).toMatch(message);
    });
  }
});
