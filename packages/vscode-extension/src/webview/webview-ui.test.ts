/**
 * The built webview pages in headless Chromium, outside VS Code: a fake acquireVsCodeApi records
 * what the page posts and holds its state; the test plays the host. The page is served under the
 * real CSP from renderWebviewHtml, and any CSP violation fails the test.
 */
import { mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { extname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { svdFactorizer } from '@lowrank/algorithms-svd';
import { fromRows, psnr } from '@lowrank/core';
import { type Browser, chromium, type Page } from 'playwright-core';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createNonce, renderWebviewHtml } from '../host/webview-html.js';
import type { HostToWebview, PanelKind } from '../shared/protocol.js';
import { channelFactors } from '../worker/engine.js';

const packageRoot = fileURLToPath(new URL('../..', import.meta.url));
const ORIGIN = 'http://lowrank.test';
let outdir = '';
let browser: Browser;

beforeAll(async () => {
  mkdirSync(join(packageRoot, '.test-build'), { recursive: true });
  outdir = mkdtempSync(join(packageRoot, '.test-build', 'ui-'));
  // @ts-expect-error: plain .mjs build script without type declarations
  const { buildAll } = await import('../../scripts/build.mjs');
  await buildAll({ outdir, mediaOutdir: join(outdir, 'media'), minify: false });
  browser = await chromium.launch({
    executablePath: process.env.LOWRANK_CHROMIUM ?? '/usr/bin/chromium',
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking'],
  });
}, 120_000);
afterAll(async () => {
  await browser?.close();
  rmSync(outdir, { recursive: true, force: true });
});

const TYPES: Record<string, string> = {
  '.js': 'text/javascript',
  '.css': 'text/css',
  '.svg': 'image/svg+xml',
};

/** A compression panel for tiny.png that said 'ready' and got its 'init' (no results yet). */
async function openCompressionPanel(): Promise<Page> {
  const page = await openPage('compression');
  await expect.poll(async () => (await sent(page)).map((m) => m.type)).toContain('ready');
  await post(page, {
    type: 'init',
    panel: 'compression',
    source: 'file:///w/tiny.png',
    fileName: 'tiny.png',
    hasResults: false,
    methods,
    settings,
  });
  return page;
}

async function openPage(
  panel: PanelKind,
  initialState?: unknown,
  themeVariables?: Record<string, string>,
): Promise<Page> {
  const page = await browser.newPage({ viewport: { width: 1100, height: 900 } });
  await page.route(`${ORIGIN}/**`, async (route) => {
    const path = new URL(route.request().url()).pathname;
    if (path === '/index.html') {
      const html = renderWebviewHtml({
        panel,
        title: 'test',
        cspSource: ORIGIN,
        scriptUri: `${ORIGIN}/out/${panel}.js`,
        styleUri: `${ORIGIN}/styles.css`,
        nonce: createNonce(),
      });
      return route.fulfill({ body: html, contentType: 'text/html' });
    }
    const file = path.startsWith('/out/')
      ? join(outdir, 'media', path.slice(5))
      : join(packageRoot, 'media', path.slice(1));
    try {
      return await route.fulfill({
        body: readFileSync(file),
        contentType: TYPES[extname(file)] ?? 'application/octet-stream',
      });
    } catch {
      return route.fulfill({ status: 404 });
    }
  });
  await page.addInitScript((state) => {
    const w = window as unknown as Record<string, unknown>;
    w.__sent = [];
    w.__state = state;
    w.__violations = [];
    document.addEventListener('securitypolicyviolation', (e) =>
      (w.__violations as string[]).push(`${e.violatedDirective} ${e.blockedURI}`),
    );
    w.acquireVsCodeApi = () => ({
      postMessage: (m: unknown) => (w.__sent as unknown[]).push(m),
      getState: () => w.__state,
      setState: (s: unknown) => {
        w.__state = s;
      },
    });
  }, initialState);
  if (themeVariables) {
    // VS Code sets its theme as CSS variables on <html>; do the same before the page's styles load.
    await page.addInitScript((vars) => {
      document.addEventListener('DOMContentLoaded', () => {
        for (const [name, value] of Object.entries(vars))
          document.documentElement.style.setProperty(name, value);
      });
    }, themeVariables);
  }
  await page.goto(`${ORIGIN}/index.html`);
  return page;
}

type Sent = { type: string; [key: string]: unknown };
const sent = (page: Page) => page.evaluate(() => (window as unknown as { __sent: Sent[] }).__sent);
const violations = (page: Page) =>
  page.evaluate(() => (window as unknown as { __violations: string[] }).__violations);
const state = (page: Page) =>
  page.evaluate(() => (window as unknown as { __state: Record<string, unknown> }).__state);

/** Posts a host message; typed arrays travel as plain arrays and are rebuilt in the page. */
async function post(page: Page, message: HostToWebview): Promise<void> {
  const encode = (value: unknown): unknown => {
    if (value instanceof Float32Array) return { __f32: Array.from(value) };
    if (value instanceof Float64Array) return { __f64: Array.from(value) };
    if (value instanceof Uint8Array) return { __u8: Array.from(value) };
    if (value instanceof Uint8ClampedArray) return { __u8c: Array.from(value) };
    if (Array.isArray(value)) return value.map(encode);
    if (value && typeof value === 'object')
      return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, encode(v)]));
    return value;
  };
  await page.evaluate((encoded) => {
    const decode = (value: unknown): unknown => {
      if (Array.isArray(value)) return value.map(decode);
      if (value && typeof value === 'object') {
        const v = value as Record<string, unknown>;
        if (v.__f32) return Float32Array.from(v.__f32 as number[]);
        if (v.__f64) return Float64Array.from(v.__f64 as number[]);
        if (v.__u8) return Uint8Array.from(v.__u8 as number[]);
        if (v.__u8c) return Uint8ClampedArray.from(v.__u8c as number[]);
        return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, decode(x)]));
      }
      return value;
    };
    window.postMessage(decode(encoded), '*');
  }, encode(message));
}

const methods = [
  {
    name: 'svd',
    displayName: 'Exact SVD',
    description: 'exact',
    kind: 'low-rank' as const,
    custom: false,
    options: [
      {
        key: 'rank',
        type: 'integer' as const,
        label: 'rank',
        description: 'kept',
        default: 'auto',
        allowAuto: true,
        min: 0,
        max: 'min-dimension' as const,
      },
    ],
  },
  {
    name: 'my-nmf',
    displayName: 'My NMF',
    description: 'custom',
    kind: 'low-rank' as const,
    custom: true,
    options: [],
  },
  {
    name: 'rpca',
    displayName: 'Robust PCA',
    description: 'pcp',
    kind: 'low-rank-plus-sparse' as const,
    custom: false,
    options: [],
  },
];
const settings = { defaultRank: 2, rankCap: 100, defaultVideoMethod: 'rpca', videoScale: 0.5, maxFrames: 40 };

async function sampleMatrix() {
  const rows = Array.from({ length: 6 }, (_, i) =>
    Array.from({ length: 8 }, (_, j) => (((i * 7 + j * 3) % 11) + 1) / 12),
  );
  const matrix = fromRows(rows);
  return { matrix, result: await svdFactorizer.factorize(matrix, {}) };
}

/** PSNR of the clamped rank-k reconstruction of the sample, computed in Node with core's metrics. */
async function rankPsnr(rank: number): Promise<number> {
  const { matrix, result } = await sampleMatrix();
  const approx = result.reconstruct(rank);
  for (let k = 0; k < approx.data.length; k++) approx.data[k] = Math.min(1, Math.max(0, approx.data[k]!));
  return psnr(matrix, approx);
}

/** A 6 x 8 gray image in [0, 1] and its exact SVD, as the worker would send them. */
async function sampleCompression() {
  const { matrix, result } = await sampleMatrix();
  const factors = channelFactors(result.factors);
  const stored = Float64Array.from({ length: 6 }, (_, k) => result.storedNumbers(k + 1));
  return {
    image: {
      fileName: 'tiny.png',
      width: 8,
      height: 6,
      channels: 1,
      rgba: Uint8ClampedArray.from({ length: 48 * 4 }, (_, k) =>
        k % 4 === 3 ? 255 : Math.round(matrix.data[k >> 2]! * 255),
      ),
    },
    result: {
      method: 'svd',
      // The pipeline's choice: lowrank.defaultRank (2 here) where the method's default is 'auto'.
      rank: 2,
      squaredNorm: Array.from(matrix.data).reduce((sum, v) => sum + v * v, 0),
      maxRank: 6,
      fullRank: 6,
      storedNumbers: stored,
      singularValues: [Float32Array.from(result.singularValues!)],
      factors: [factors],
      milliseconds: 3,
    },
  };
}

describe('compression webview', () => {
  it('starts the computation, updates ratio and quality as the slider moves, and rebuilds the image', async () => {
    const page = await openCompressionPanel();
    await expect
      .poll(async () => (await sent(page)).find((m) => m.type === 'compress'))
      .toMatchObject({ method: 'auto', colour: true });
    // The method picker offers the automatic choice, then every low-rank plugin, custom ones marked.
    const options = await page.locator('#method vscode-option').allTextContents();
    expect(options.map((o) => o.trim())).toEqual(['Automatic', 'Exact SVD', 'My NMF (plugin)']);
    const { image, result } = await sampleCompression();
    await post(page, { type: 'image', image });
    await post(page, { type: 'compressed', result });
    // Default rank 2: ratio 48 / (2 (6 + 8 + 1)) = 1.6.
    await expect.poll(() => page.locator('#ratio').textContent()).toBe('1.60 : 1');
    await expect.poll(() => page.locator('#stored').textContent()).toBe('30 of 48 (62.5%)');
    await expect
      .poll(async () => (await sent(page)).filter((m) => m.type === 'quality').map((m) => m.rank))
      .toContain(2);
    await page.locator('#rank').focus();
    await page.keyboard.press('ArrowRight');
    await expect.poll(() => page.locator('#ratio').textContent()).toBe(`${(48 / 45).toFixed(2)} : 1`);
    // Until the worker's figures come, PSNR is the spectrum's (Eckart-Young, before clamping): an
    // estimate at most the clamped picture's error, marked as such.
    const estimate = Number.parseFloat(((await page.locator('#psnr').textContent()) ?? '').replace('≈ ', ''));
    expect(await page.locator('#psnr').textContent()).toMatch(/^≈ /);
    expect(estimate).toBeLessThanOrEqual((await rankPsnr(3)) + 1e-6);
    expect(await page.locator('#ssim').textContent()).toBe('…');
    await expect
      .poll(async () => (await sent(page)).filter((m) => m.type === 'quality').map((m) => m.rank))
      .toContain(3);
    await post(page, {
      type: 'quality',
      quality: { rank: 3, psnr: 31.234, ssim: 0.91234, relativeError: 0.1 },
    });
    await expect.poll(() => page.locator('#ssim').textContent()).toBe('0.9123');
    expect(await page.locator('#psnr').textContent()).toBe('31.23 dB');
    expect(await state(page)).toMatchObject({
      panel: 'compression',
      source: 'file:///w/tiny.png',
      rank: 3,
      method: 'auto',
    });
    // At full rank the reconstruction pane shows the original pixels (sampled at each pixel's centre:
    // the 8 x 6 picture is magnified to fit the pane).
    await page.keyboard.press('End');
    await expect.poll(() => page.locator('#rank-value').textContent()).toBe('k = 6');
    await expect.poll(() => page.locator('#reconstruction').getAttribute('data-rank')).toBe('6');
    const centres = (id: string) =>
      page.locator(id).evaluate((c: HTMLCanvasElement) => {
        const scale = Math.min(c.width / 8, c.height / 6);
        const ox = (c.width - 8 * scale) / 2;
        const oy = (c.height - 6 * scale) / 2;
        const data = c.getContext('2d')!.getImageData(0, 0, c.width, c.height).data;
        const out: number[] = [];
        for (let i = 0; i < 6; i++)
          for (let j = 0; j < 8; j++) {
            const x = Math.floor(ox + (j + 0.5) * scale);
            const y = Math.floor(oy + (i + 0.5) * scale);
            out.push(data[4 * (y * c.width + x)]!);
          }
        return out;
      });
    const drawn = await centres('#reconstruction');
    const expected = Array.from({ length: 48 }, (_, k) => image.rgba[4 * k]!);
    for (let k = 0; k < 48; k++) expect(Math.abs(drawn[k]! - expected[k]!)).toBeLessThanOrEqual(1);
    const shownOriginal = await centres('#original');
    for (let k = 0; k < 48; k++) expect(Math.abs(shownOriginal[k]! - expected[k]!)).toBeLessThanOrEqual(1);
    // Zoom and pan move both panes together: after a wheel zoom and a drag, the same image pixel
    // sits under the same canvas point in the original and the reconstruction (full rank: equal).
    const box = (await page.locator('#reconstruction').boundingBox())!;
    await page.mouse.move(box.x + box.width * 0.3, box.y + box.height * 0.4);
    await page.mouse.wheel(0, -300);
    await page.mouse.wheel(0, -300);
    await page.mouse.down();
    await page.mouse.move(box.x + box.width * 0.5, box.y + box.height * 0.5, { steps: 4 });
    await page.mouse.up();
    await expect.poll(() => page.locator('#zoom-value').textContent()).not.toBe('fit');
    await expect
      .poll(async () => {
        const sample = (id: string) =>
          page.locator(id).evaluate((c: HTMLCanvasElement) => {
            const d = c.getContext('2d')!.getImageData(0, 0, c.width, c.height).data;
            return [0.25, 0.5, 0.75].flatMap((fy) =>
              [0.25, 0.5, 0.75].map(
                (fx) => d[4 * (Math.floor(c.height * fy) * c.width + Math.floor(c.width * fx))]!,
              ),
            );
          });
        const [a, b] = [await sample('#original'), await sample('#reconstruction')];
        return a.every((v, i) => Math.abs(v - b[i]!) <= 2);
      })
      .toBe(true);
    // Back to the fitted view.
    await page.locator('#zoom-fit').click();
    await expect.poll(() => page.locator('#zoom-value').textContent()).toBe('fit');
    // The spectrum has a hover readout and sets the rank on click.
    const chart = (await page.locator('#spectrum').boundingBox())!;
    await page.mouse.move(chart.x + 49, chart.y + chart.height / 2);
    await expect.poll(() => page.locator('#spectrum-readout').textContent()).toMatch(/^k = 1: σ = /);
    await page.mouse.click(chart.x + 49, chart.y + chart.height / 2);
    await expect.poll(() => page.locator('#rank').inputValue()).toBe('1');
    await expect.poll(() => page.locator('#rank-value').textContent()).toBe('k = 1');
    // Save asks the host for the current rank.
    await page.locator('#save').click();
    await expect
      .poll(async () => (await sent(page)).find((m) => m.type === 'save'))
      .toEqual({ type: 'save', rank: 1 });
    expect(await violations(page)).toEqual([]);
    await page.close();
  });

  it('draws a first preview that came before its picture once the picture comes', async () => {
    const page = await openCompressionPanel();
    await expect.poll(async () => (await sent(page)).map((m) => m.type)).toContain('compress');
    const { image, result } = await sampleCompression();
    const { s, u, v } = result.factors[0]!;
    // Rank 2 of the sample's factors, as a preview would send them (U 6 x 2, V 8 x 2).
    const take = (m: Float32Array, rows: number) =>
      Float32Array.from({ length: rows * 2 }, (_, k) => m[Math.floor(k / 2) * 6 + (k % 2)]!);
    await post(page, {
      type: 'preview',
      factors: [{ rank: 2, s: s.slice(0, 2), u: take(u, 6), v: take(v, 8) }],
    });
    await page.waitForTimeout(200);
    expect(await page.locator('#reconstruction').getAttribute('data-rank')).toBeNull();
    await post(page, { type: 'image', image });
    await expect.poll(() => page.locator('#reconstruction').getAttribute('data-rank')).toBe('2');
    expect(await page.locator('#reconstruction').getAttribute('data-preview')).toBe('true');
    await post(page, { type: 'compressed', result });
    await expect.poll(() => page.locator('#reconstruction').getAttribute('data-preview')).toBeNull();
  });

  it('shows a quick copy of a big picture first, keeps its preview when the full-size picture comes', async () => {
    const page = await openCompressionPanel();
    await expect.poll(async () => (await sent(page)).map((m) => m.type)).toContain('compress');
    const { image } = await sampleCompression();
    const jpeg = async (width: number, height: number) =>
      new Uint8Array(
        await sharp(Buffer.from(image.rgba!), { raw: { width: 8, height: 6, channels: 4 } })
          .resize(width, height)
          .jpeg()
          .toBuffer(),
      );
    const picture = { fileName: 'tiny.png', width: 8, height: 6, channels: 1 };
    await post(page, {
      type: 'image',
      image: {
        ...picture,
        encoded: { bytes: await jpeg(4, 3), type: 'image/jpeg', source: false, reduced: true },
      },
    });
    await expect.poll(() => page.locator('#original').getAttribute('data-shown')).toBe('true');
    // A rank-1 preview computed at half size: U 3 x 1 and V 4 x 1 stand for 6 and 8 rows.
    await post(page, {
      type: 'preview',
      factors: [
        {
          rank: 1,
          block: 2,
          s: Float32Array.of(2),
          u: Float32Array.of(0.5, 0.5, 0.5),
          v: Float32Array.of(0.5, 0.5, 0.5, 0.5),
        },
      ],
    });
    await expect.poll(() => page.locator('#reconstruction').getAttribute('data-rank')).toBe('1');
    // The reconstruction is 2 x 0.5 x 0.5 = 0.5 everywhere: mid-gray across the whole pane.
    const gray = await page.locator('#reconstruction').evaluate((canvas: HTMLCanvasElement) => {
      const { data } = canvas.getContext('2d')!.getImageData(0, 0, canvas.width, canvas.height);
      let painted = 0;
      let far = 0;
      for (let p = 0; p < data.length; p += 4) {
        if (data[p + 3] === 0) continue;
        painted++;
        if (Math.abs(data[p]! - 128) > 2) far++;
      }
      return { painted, far };
    });
    expect(gray.painted).toBeGreaterThan(0);
    expect(gray.far).toBe(0);
    await post(page, {
      type: 'image',
      image: { ...picture, encoded: { bytes: await jpeg(8, 6), type: 'image/jpeg', source: false } },
    });
    await page.waitForTimeout(300);
    expect(await page.locator('#reconstruction').getAttribute('data-preview')).toBe('true');
    expect(await page.locator('#reconstruction').getAttribute('data-rank')).toBe('1');
  });

  it('restores the rank and view from the saved state, without computing again', async () => {
    const page = await openPage('compression', {
      panel: 'compression',
      source: 'file:///w/tiny.png',
      rank: 4,
      view: 'difference',
      method: 'svd',
    });
    // (The saved method is kept when it is still offered.)
    await expect.poll(async () => (await sent(page)).map((m) => m.type)).toContain('ready');
    await post(page, {
      type: 'init',
      panel: 'compression',
      source: 'file:///w/tiny.png',
      fileName: 'tiny.png',
      hasResults: true,
      methods,
      settings,
    });
    const { image, result } = await sampleCompression();
    await post(page, { type: 'image', image });
    await post(page, { type: 'compressed', result });
    await expect.poll(() => page.locator('#rank-value').textContent()).toBe('k = 4');
    expect(await page.locator('#pane-reconstruction figcaption').textContent()).toContain('Difference');
    expect((await sent(page)).some((m) => m.type === 'compress')).toBe(false);
    await page.close();
  });

  it('shows errors from the host instead of a blank panel', async () => {
    const page = await openPage('compression');
    await post(page, {
      type: 'init',
      panel: 'compression',
      source: 'file:///w/x.png',
      fileName: 'x.png',
      hasResults: true,
      methods,
      settings,
    });
    await post(page, {
      type: 'error',
      error: { message: 'x.png: could not be decoded. Try converting it to PNG.', code: 'MEDIA_ERROR' },
    });
    await expect.poll(() => page.locator('#error').textContent()).toContain('x.png: could not be decoded');
    await page.close();
  });
});

describe('separation webview', () => {
  it('sends the run options, then shows three synchronized panes with a scrubber', async () => {
    const page = await openPage('separation');
    await expect.poll(async () => (await sent(page)).map((m) => m.type)).toContain('ready');
    await post(page, {
      type: 'init',
      panel: 'separation',
      source: 'file:///w/v.avi',
      fileName: 'v.avi',
      hasResults: false,
      methods,
      settings,
    });
    await post(page, {
      type: 'probe',
      probe: { fileName: 'v.avi', width: 8, height: 4, frames: 30, fps: 10 },
    });
    await expect.poll(() => page.locator('#probe').textContent()).toContain('30 frames of 8 × 4');
    // Automatic (the pipeline's choice), then low-rank + sparse methods, then low-rank ones (S = M - L),
    // as `lowrank separate` takes them.
    expect((await page.locator('#method vscode-option').allTextContents()).map((t) => t.trim())).toEqual([
      'Automatic',
      'Robust PCA',
      'Exact SVD',
      'My NMF (plugin)',
    ]);
    await page.locator('#run').click();
    await expect
      .poll(async () => (await sent(page)).find((m) => m.type === 'separate'))
      .toEqual({
        type: 'separate',
        method: 'rpca',
        options: {},
        colour: false,
        scale: 0.5,
        startFrame: 0,
        // min(lowrank.video.maxFrames = 40, the 30 frames the video has)
        frameCount: 30,
      });
    await post(page, { type: 'busy', busy: true, stage: 'Lowrank: separating' });
    await post(page, { type: 'progress', progress: { stage: 'Separating', iteration: 7, residual: 0.0123 } });
    await expect
      .poll(() => page.locator('#progress').textContent())
      .toBe('Separating · iteration 7 · residual 1.23e-2');
    expect(await page.locator('#cancel').isVisible()).toBe(true);
    await page.locator('#cancel').click();
    await expect.poll(async () => (await sent(page)).map((m) => m.type)).toContain('cancel');
    await post(page, { type: 'busy', busy: false });
    const frames = 3;
    const size = 4 * 2;
    const ramp = (f: number, base: number) => Array.from({ length: size }, (_, p) => base + f * 10 + p);
    const bytes = (base: number) =>
      Uint8Array.from(Array.from({ length: frames }, (_, f) => ramp(f, base)).flat());
    await post(page, {
      type: 'separated',
      result: {
        method: 'rpca',
        width: 4,
        height: 2,
        frames,
        fps: 10,
        channels: 1,
        original: bytes(100),
        background: bytes(50),
        foreground: bytes(0),
        mask: bytes(200),
        matrixPicture: { width: 3, height: 8, pixels: new Uint8Array(24) },
        history: [1, 0.1, 0.01],
        iterations: 3,
        converged: true,
        residual: 0.01,
        rank: 1,
        milliseconds: 12,
      },
    });
    await expect.poll(() => page.locator('#results').isVisible()).toBe(true);
    const firstPixel = (id: string) =>
      page
        .locator(id)
        .evaluate((c: HTMLCanvasElement) => c.getContext('2d')!.getImageData(0, 0, 1, 1).data[0]);
    expect([
      await firstPixel('#frame-original'),
      await firstPixel('#frame-background'),
      await firstPixel('#frame-foreground'),
    ]).toEqual([100, 50, 0]);
    await page.locator('#frame').focus();
    await page.keyboard.press('ArrowRight');
    await expect.poll(() => page.locator('#frame-value').textContent()).toBe('frame 2 / 3');
    // All three panes moved to frame 2 together.
    expect([
      await firstPixel('#frame-original'),
      await firstPixel('#frame-background'),
      await firstPixel('#frame-foreground'),
    ]).toEqual([110, 60, 10]);
    expect(await page.locator('#summary').textContent()).toContain('3 iteration(s), converged');
    expect(await page.locator('#convergence-figure').isVisible()).toBe(true);
    await page.locator('#export').click();
    await expect.poll(async () => (await sent(page)).map((m) => m.type)).toContain('export');
    // Status lines say what is true now: the export's progress goes once it is done, and its
    // "Exported to" goes when the next run starts.
    await post(page, { type: 'busy', busy: true, stage: 'Lowrank: exporting' });
    await post(page, { type: 'progress', progress: { stage: 'Writing mask frames', fraction: 0.5 } });
    await post(page, { type: 'busy', busy: false });
    await post(page, { type: 'exported', folder: 'v-rpca-separation' });
    expect(await page.locator('#progress').textContent()).toBe('');
    expect(await page.locator('#status').textContent()).toBe('Exported to v-rpca-separation');
    await post(page, { type: 'busy', busy: true, stage: 'Lowrank: separating' });
    await expect.poll(() => page.locator('#status').textContent()).toBe('');
    // A direct method (no residual per iteration) says so, without an empty convergence chart.
    await post(page, { type: 'busy', busy: false });
    await post(page, {
      type: 'separated',
      restored: true,
      result: {
        method: 'svd-background',
        width: 4,
        height: 2,
        frames,
        fps: 10,
        channels: 1,
        original: bytes(100),
        background: bytes(50),
        foreground: bytes(0),
        mask: bytes(200),
        matrixPicture: { width: 3, height: 8, pixels: new Uint8Array(24) },
        history: [],
        iterations: 7,
        converged: true,
        residual: 0,
        rank: 2,
        milliseconds: 5,
      },
    });
    await expect.poll(() => page.locator('#summary').textContent()).toContain('a direct method');
    expect(await page.locator('#summary').textContent()).not.toContain('iteration');
    expect(await page.locator('#convergence-figure').isVisible()).toBe(false);
    // Restored after a reload: shown, but Export waits for a new run.
    expect(await page.locator('#status').textContent()).toMatch(/Restored/);
    expect(await page.locator('#export').getAttribute('disabled')).not.toBeNull();
    expect(await violations(page)).toEqual([]);
    await page.close();
  });

  it('offers at most the frames the source has in the Frames field', async () => {
    const page = await openPage('separation');
    await expect.poll(async () => (await sent(page)).map((m) => m.type)).toContain('ready');
    await post(page, {
      type: 'init',
      panel: 'separation',
      source: 'file:///w/folder',
      fileName: 'folder',
      hasResults: false,
      methods,
      settings: { ...settings, maxFrames: 200 },
    });
    await post(page, { type: 'probe', probe: { fileName: 'folder', width: 8, height: 4, frames: 101 } });
    await expect.poll(() => page.locator('#frame-count').getAttribute('value')).toBe('101');
    await page.locator('#run').click();
    await expect
      .poll(async () => (await sent(page)).find((m) => m.type === 'separate'))
      .toMatchObject({ frameCount: 101 });
    await page.close();
  });
});

describe('plugin failures', () => {
  for (const panel of ['compression', 'separation'] as const) {
    it(`keeps each failed plugin module visible in the ${panel} panel while it runs`, async () => {
      const page = await openPage(panel);
      await expect.poll(async () => (await sent(page)).map((m) => m.type)).toContain('ready');
      await post(page, {
        type: 'init',
        panel,
        source: 'file:///w/x',
        fileName: 'x',
        hasResults: false,
        methods,
        settings,
        pluginNote: '1 plugin module(s) in lowrank.plugins could not be loaded.',
        pluginErrors: [
          { specifier: './plugins/broken.js', message: 'Plugin "Bad": meta.name must be kebab-case.' },
        ],
      });
      if (panel === 'separation') await page.locator('#run').click();
      await expect
        .poll(async () => (await sent(page)).map((m) => m.type))
        .toContain(panel === 'compression' ? 'compress' : 'separate');
      await post(page, { type: 'error', error: { message: 'x: something else failed' } });
      expect(await page.locator('.plugin-error').allTextContents()).toEqual([
        './plugins/broken.js: Plugin "Bad": meta.name must be kebab-case.',
      ]);
      expect(await page.locator('#plugin-note').textContent()).toMatch(/could not be loaded/);
      await page.close();
    });
  }
});

describe('themes', () => {
  const themes = {
    dark: {
      '--vscode-foreground': '#cccccc',
      '--vscode-editor-background': '#1e1e1e',
      '--vscode-descriptionForeground': '#9d9d9d',
    },
    'high-contrast': {
      '--vscode-foreground': '#ffffff',
      '--vscode-editor-background': '#000000',
      '--vscode-descriptionForeground': '#ffffff',
      '--vscode-widget-border': '#6fc3df',
      '--vscode-focusBorder': '#f38518',
    },
  };
  for (const [name, vars] of Object.entries(themes)) {
    it(`draws the compression panel in the ${name} theme's colours`, async () => {
      const page = await openPage('compression', undefined, vars);
      await post(page, {
        type: 'init',
        panel: 'compression',
        source: 'file:///w/tiny.png',
        fileName: 'tiny.png',
        hasResults: true,
        methods,
        settings,
      });
      const { image, result } = await sampleCompression();
      await post(page, { type: 'image', image });
      await post(page, { type: 'compressed', result });
      await expect.poll(() => page.locator('#ratio').textContent()).toMatch(/: 1$/);
      const hex = (rgb: string) =>
        `#${(rgb.match(/\d+/g) ?? [])
          .slice(0, 3)
          .map((v) => Number(v).toString(16).padStart(2, '0'))
          .join('')}`;
      const colour = await page.locator('#ratio').evaluate((el) => getComputedStyle(el).color);
      const background = await page.locator('body').evaluate((el) => getComputedStyle(el).backgroundColor);
      const caption = await page
        .locator('#pane-original figcaption')
        .evaluate((el) => getComputedStyle(el).color);
      expect(hex(colour)).toBe(vars['--vscode-foreground']);
      expect(hex(background)).toBe(vars['--vscode-editor-background']);
      expect(hex(caption)).toBe(vars['--vscode-descriptionForeground']);
      // Charts follow a theme change: the axis labels are redrawn in the new foreground colour.
      const chartPixels = () =>
        page
          .locator('#spectrum')
          .evaluate((c: HTMLCanvasElement) =>
            Array.from(c.getContext('2d')!.getImageData(0, 0, c.width, c.height).data).join(),
          );
      const before = await chartPixels();
      await page.evaluate(() => {
        document.documentElement.style.setProperty('--vscode-descriptionForeground', '#ff00ff');
        document.documentElement.style.setProperty('--vscode-charts-blue', '#00ff00');
      });
      await expect.poll(chartPixels).not.toBe(before);
      mkdirSync(join(packageRoot, 'test-results', 'ui'), { recursive: true });
      await page.screenshot({
        path: join(packageRoot, 'test-results', 'ui', `compression-${name}.png`),
        fullPage: true,
      });
      expect(await violations(page)).toEqual([]);
      await page.close();
    });
  }
});
