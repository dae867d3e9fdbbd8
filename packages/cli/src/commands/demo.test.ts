import { existsSync, mkdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { chromium } from 'playwright-core';
import { describe, expect, it } from 'vitest';
import { captureIO, sample, tempDir } from '../test-support.js';
import { runDemo } from './demo.js';

const CHROMIUM = '/usr/bin/chromium';
const resultsDir = fileURLToPath(new URL('../../test-results/', import.meta.url));

describe('lowrank demo report', () => {
  it('renders every section in headless Chromium (images decoded, charts drawn)', async () => {
    const outDir = join(tempDir(), 'demo');
    // The tiny video keeps this test short; `lowrank demo` itself uses the highway clip.
    const result = await runDemo(
      {
        outDir,
        force: false,
        video: sample('tiny-traffic-48x48.avi'),
        videoScale: 1,
        videoCount: 30,
        ranks: [5, 50],
      },
      captureIO(),
    );
    expect(result.report).toBe(join(outDir, 'index.html'));
    const html = readFileSync(result.report, 'utf8');
    expect(html).not.toMatch(/(src|href)="(https?:)?\/\//);
    expect(existsSync(join(outDir, 'separate-rpca', 'background.mp4'))).toBe(true);

    const browser = await chromium.launch({
      executablePath: CHROMIUM,
      args: ['--no-sandbox', '--disable-gpu'],
    });
    try {
      const page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
      await page.goto(pathToFileURL(result.report).href);
      for (const id of ['image', 'spectrum', 'rate-distortion', 'video', 'convergence', 'timings']) {
        expect(await page.locator(`section#${id}`).count()).toBe(1);
      }
      const images = await page.$$eval('img', (els) =>
        els.map((e) => ({
          w: (e as unknown as { naturalWidth: number }).naturalWidth,
          h: (e as unknown as { naturalHeight: number }).naturalHeight,
        })),
      );
      expect(images.length).toBeGreaterThanOrEqual(3 + 1 + 2 * 3 * 4);
      for (const size of images) expect(size.w * size.h).toBeGreaterThan(0);
      const charts = await page.$$eval('svg.chart', (els) =>
        els.map((e) => ({
          paths: e.querySelectorAll('path.series, rect').length,
          width: e.getBoundingClientRect().width,
        })),
      );
      expect(charts.length).toBe(5);
      for (const c of charts) {
        expect(c.paths).toBeGreaterThan(0);
        expect(c.width).toBeGreaterThan(100);
      }
      mkdirSync(resultsDir, { recursive: true });
      await page.screenshot({ path: join(resultsDir, 'demo-report.png'), fullPage: true });
      expect(existsSync(join(resultsDir, 'demo-report.png'))).toBe(true);
    } finally {
      await browser.close();
    }
  });
});
