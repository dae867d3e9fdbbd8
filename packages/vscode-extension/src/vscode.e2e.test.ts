/**
 * End to end in a real VS Code: code-server 4.100.3 (VS Code 1.100.3) with the packaged VSIX
 * installed, driven through Debian's Chromium by playwright-core. Run with `pnpm test:e2e` (which
 * builds and packages first). Screenshots go to test-results/e2e/.
 */
import { type ChildProcess, execFileSync, spawn } from 'node:child_process';
import {
  cpSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  symlinkSync,
  writeFileSync,
} from 'node:fs';
import { createServer } from 'node:net';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import {
  type Browser,
  chromium,
  type Frame,
  type FrameLocator,
  type Locator,
  type Page,
} from 'playwright-core';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sample, testData } from './test-data.fixture.js';

const packageRoot = fileURLToPath(new URL('..', import.meta.url));
const repoRoot = fileURLToPath(new URL('../../../', import.meta.url));
const setupScript = join(packageRoot, 'scripts', 'code-server-setup.sh');
const vsix = join(packageRoot, 'dist-vsix', 'lowrank-vscode-0.1.0-linux-x64.vsix');
const screenshots = join(packageRoot, 'test-results', 'e2e');
const chromiumPath = process.env.LOWRANK_CHROMIUM ?? '/usr/bin/chromium';

let temp = '';
let workspace = '';
let server: ChildProcess | undefined;
let browser: Browser | undefined;
let page: Page;
let serverLog = '';

async function freePort(): Promise<number> {
  return new Promise((resolvePort, reject) => {
    const probe = createServer();
    probe.once('error', reject);
    probe.listen(0, '127.0.0.1', () => {
      const address = probe.address();
      probe.close(() => resolvePort(typeof address === 'object' && address ? address.port : 0));
    });
  });
}

async function waitForHttp(url: string, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    try {
      const response = await fetch(url);
      if (response.ok) return;
    } catch {
      // not up yet
    }
    await new Promise((r) => setTimeout(r, 500));
  }
  throw new Error(
    `code-server did not answer at ${url} within ${timeoutMs} ms. Log:\n${serverLog.slice(-4000)}`,
  );
}

/**
 * Samples the resident memory of code-server's extension host (the process running the extension
 * and its worker thread) every 200 ms; stop() gives the peak.
 */
function sampleExtensionHostMemory(): { stop(): Promise<number> } {
  let peak = 0;
  const read = () => {
    try {
      // Only descendants of this test's code-server: the machine may run others.
      const rows = execFileSync('ps', ['-eo', 'pid=,ppid=,rss=,args='], { encoding: 'utf8' })
        .split('\n')
        .map((line) => /^\s*(\d+)\s+(\d+)\s+(\d+)\s+(.*)$/.exec(line))
        .filter((m): m is RegExpExecArray => m !== null)
        .map((m) => ({ pid: Number(m[1]), ppid: Number(m[2]), rss: Number(m[3]) * 1024, args: m[4]! }));
      const ours = new Set([server?.pid ?? -1]);
      for (let grew = true; grew; ) {
        grew = false;
        for (const r of rows)
          if (ours.has(r.ppid) && !ours.has(r.pid)) {
            ours.add(r.pid);
            grew = true;
          }
      }
      for (const r of rows)
        if (ours.has(r.pid) && r.args.includes('extensionHost')) peak = Math.max(peak, r.rss);
    } catch {
      // ps missing: no figure
    }
  };
  const timer = setInterval(read, 200);
  return {
    async stop() {
      clearInterval(timer);
      read();
      return peak;
    },
  };
}

async function shot(name: string): Promise<void> {
  await page.screenshot({ path: join(screenshots, `${name}.png`) });
}

/** The active webview's content frame (VS Code nests it two iframes deep). */
function webview(): FrameLocator {
  return page
    .locator('iframe.webview.ready')
    .filter({ visible: true })
    .last()
    .contentFrame()
    .locator('iframe#active-frame')
    .contentFrame();
}

/**
 * The webview page that has `selector`, as a Frame (stable, unlike an nth() locator, while VS Code
 * adds and moves webview iframes; another webview, such as the image preview, may be open too).
 */
async function webviewWith(selector: string, timeout = 60_000): Promise<Frame> {
  const deadline = Date.now() + timeout;
  while (Date.now() < deadline) {
    for (const frame of page.frames()) {
      if (frame.isDetached()) continue;
      // A frame left from before a window reload may never answer: asked without a bound, it held
      // this loop for Playwright's 30 s default, once per such frame.
      const count = await Promise.race([
        frame
          .locator(selector)
          .count()
          .catch(() => 0),
        new Promise<number>((resolve) => setTimeout(() => resolve(0), 1000)),
      ]);
      if (count > 0) return frame;
    }
    await page.waitForTimeout(25);
  }
  throw new Error(`No webview shows ${selector} after ${timeout} ms.`);
}

async function explorerItem(name: string) {
  const row = page.locator('.explorer-folders-view .monaco-list-row', { hasText: name }).first();
  await row.waitFor({ state: 'visible', timeout: 60_000 });
  return row;
}

async function runFromContextMenu(fileName: string, command: string): Promise<void> {
  const row = await explorerItem(fileName);
  // Menus contributed by extensions appear once the extension host has read the manifests.
  for (let attempt = 0; attempt < 10; attempt++) {
    await row.click({ button: 'right' });
    const item = page.getByRole('menuitem', { name: command });
    try {
      await item.waitFor({ state: 'visible', timeout: 3000 });
      // VS Code ignores a click that lands while the menu is still opening.
      await page.waitForTimeout(400);
      await item.click();
      await page.waitForTimeout(500);
      if (await item.isVisible()) await page.keyboard.press('Enter');
      return;
    } catch {
      await page.keyboard.press('Escape');
      await page.waitForTimeout(1500);
    }
  }
  await shot(`missing-menu-${fileName}`);
  throw new Error(`"${command}" never appeared in the context menu of ${fileName}.`);
}

/**
 * Runs a command from the Command Palette: waits for the palette to open and for the command's row to
 * be listed before accepting it (keys typed before the palette has focus go to the editor instead).
 */
async function runFromPalette(command: string): Promise<void> {
  const palette = page.locator('.quick-input-widget');
  const row = palette.locator('.quick-input-list .monaco-list-row', { hasText: command }).first();
  for (let attempt = 1; ; attempt++) {
    await page.keyboard.press('Escape');
    await page.keyboard.press('F1');
    try {
      await palette.locator('input').first().waitFor({ state: 'visible', timeout: 10_000 });
      await palette.locator('input').first().fill(`>${command}`);
      await row.waitFor({ state: 'visible', timeout: 10_000 });
      await page.keyboard.press('Enter');
      return;
    } catch (error) {
      if (attempt === 3) {
        await shot(`palette-${command.replace(/\W+/g, '-')}`);
        throw new Error(`"${command}" could not be run from the Command Palette: ${String(error)}`);
      }
      console.log(
        `Command Palette, attempt ${attempt} for "${command}" failed: ${String(error).split('\n')[0]}`,
      );
    }
  }
}

/**
 * Types `value` into code-server's file dialog once the dialog has put its own starting folder
 * there: typed sooner (into the palette's field, or before the dialog fills in its default), the
 * path was replaced by that folder and the dialog then asked for a file.
 */
async function fillDialogPath(path: Locator, value: string): Promise<void> {
  await path.waitFor({ state: 'visible', timeout: 30_000 });
  await expect.poll(async () => (await path.inputValue()).startsWith('/'), { timeout: 30_000 }).toBe(true);
  for (let attempt = 1; attempt <= 3; attempt++) {
    await path.fill(value);
    await page.waitForTimeout(500);
    if ((await path.inputValue()) === value) return;
  }
  throw new Error(`the file dialog kept its own path instead of ${value}`);
}

async function closeAllEditors(): Promise<void> {
  await runFromPalette('View: Close All Editors');
  await page.waitForTimeout(1000);
}

/** What the workbench shows, for a failure message: the active tab, open quick input, notifications. */
async function workbenchState(): Promise<string> {
  const text = async (selector: string) =>
    (
      await page
        .locator(selector)
        .allInnerTexts()
        .catch(() => [])
    )
      .join(' | ')
      .replace(/\s+/g, ' ')
      .trim();
  return [
    `active tab: ${(await text('.tabs-container .tab.active')) || '(none)'}`,
    `quick input: ${(await text('.quick-input-widget:visible')) || '(closed)'}`,
    `notifications: ${(await text('.notifications-toasts .notification-list-item-message')) || '(none)'}`,
  ].join('; ');
}

/** The method the panel's method dropdown has selected. */
async function methodValue(view: FrameLocator): Promise<string> {
  return view.locator('#method').evaluate((e) => (e as HTMLElement & { value: string }).value);
}

/** Picks a method in the panel's method dropdown by its label; `name` is the method it selects. */
async function pickMethod(view: FrameLocator, label: string, name: string): Promise<void> {
  await view.locator('#method').click();
  await view.locator('#method vscode-option', { hasText: label }).first().click();
  await expect.poll(() => methodValue(view)).toBe(name);
}

/** A toolkit text field's current value (the element's property, not its first attribute). */
async function fieldValue(view: FrameLocator, selector: string): Promise<string> {
  return view.locator(selector).evaluate((e) => (e as HTMLElement & { value: string }).value);
}

async function setField(view: FrameLocator, selector: string, value: string): Promise<void> {
  await view.locator(`${selector} input`).fill(value);
  await view.locator(`${selector} input`).press('Tab');
  await expect.poll(() => fieldValue(view, selector)).toBe(value);
}

/** Switches the workbench colour theme from the Command Palette. */
async function colourTheme(name: string): Promise<void> {
  await page.keyboard.press('F1');
  await page.keyboard.type('Preferences: Color Theme');
  await page.waitForTimeout(500);
  // Not the first match, "Browse Color Themes in Marketplace" (it would go online).
  await page
    .locator('.quick-input-list .monaco-list-row', { hasText: /^Preferences: Color Theme/ })
    .first()
    .click();
  await page.waitForTimeout(500);
  await page.keyboard.type(name);
  await page.waitForTimeout(500);
  await page.keyboard.press('Enter');
  await page.waitForTimeout(1000);
}

function workspaceListing(): string[] {
  const out: string[] = [];
  const walk = (dir: string, prefix: string) => {
    for (const entry of readdirSync(dir, { withFileTypes: true })) {
      if (entry.name === '.vscode') continue;
      out.push(prefix + entry.name);
      if (entry.isDirectory()) walk(join(dir, entry.name), `${prefix}${entry.name}/`);
    }
  };
  walk(workspace, '');
  return out.sort();
}

describe('Lowrank in VS Code (code-server)', () => {
  beforeAll(async () => {
    if (!existsSync(vsix))
      throw new Error(`${vsix} is missing: run \`pnpm --filter lowrank-vscode package\` first.`);
    mkdirSync(screenshots, { recursive: true });
    const entry = execFileSync('bash', [setupScript], {
      encoding: 'utf8',
      stdio: ['ignore', 'pipe', 'inherit'],
    })
      .trim()
      .split('\n')
      .pop()!;
    temp = mkdtempSync(join(tmpdir(), 'lowrank-e2e-'));
    workspace = join(temp, 'workspace');
    mkdirSync(workspace);
    // Small inputs keep the run short: a 150 x 100 colour image and a 51-frame 48 x 48 video.
    await sharp(testData('images/coffee-300x200.png'))
      .resize(150, 100)
      .png()
      .toFile(join(workspace, 'coffee-small.png'));
    cpSync(sample('tiny-traffic-48x48.avi'), join(workspace, 'tiny-traffic.avi'));
    // A phone-size photo (4000 x 3000, 12 megapixels) made from camera.png: upscaled, tinted, with
    // mild noise so that it is not exactly smooth. Made here, never stored in the repository.
    const photo = await sharp(sample('camera.png'))
      .resize(4000, 3000, { fit: 'fill' })
      .greyscale()
      .raw()
      .toBuffer();
    const photoRgb = Buffer.alloc(4000 * 3000 * 3);
    let seed = 17;
    for (let p = 0; p < 4000 * 3000; p++) {
      seed = (seed * 1103515245 + 12345) % 2 ** 31;
      const noise = ((seed >> 16) % 7) - 3;
      photoRgb[3 * p] = Math.max(0, Math.min(255, photo[p]! + noise));
      photoRgb[3 * p + 1] = Math.max(0, Math.min(255, Math.round(photo[p]! * 0.8) + noise));
      photoRgb[3 * p + 2] = Math.max(0, Math.min(255, Math.round(photo[p]! * 0.5) + 40 - noise));
    }
    await sharp(photoRgb, { raw: { width: 4000, height: 3000, channels: 3 } })
      .jpeg({ quality: 90 })
      .toFile(join(workspace, 'photo-4000x3000.jpg'));
    cpSync(sample('highway-traffic-320x240-cut.avi'), join(workspace, 'highway.avi'));
    // Ten times the highway cut (1480 frames): long enough to watch a stream and stop it midway.
    execFileSync('ffmpeg', [
      ...['-loglevel', 'error', '-stream_loop', '9', '-i', sample('highway-traffic-320x240-cut.avi')],
      ...['-c', 'copy', join(workspace, 'long-traffic.avi')],
    ]);
    // A folder of 12 frames: the Frames field must offer 12, not the 60 of lowrank.video.maxFrames.
    mkdirSync(join(workspace, 'frames'));
    execFileSync('ffmpeg', [
      ...['-loglevel', 'error', '-i', sample('tiny-traffic-48x48.avi'), '-frames:v', '12'],
      join(workspace, 'frames', 'in%06d.png'),
    ]);
    // Every documented form of lowrank.plugins, and one broken plugin whose error must show.
    symlinkSync(join(repoRoot, 'examples'), join(workspace, 'examples'));
    const plugin = (name: string, displayName: string) =>
      `export default { meta: { name: '${name}', version: '1.0.0', apiVersion: 1, displayName: '${displayName}', description: 'e2e' }, kind: 'low-rank', options: {}, async factorize(m) { const { rows, cols, data } = m; const mean = new Float64Array(cols); for (let i = 0; i < rows; i++) for (let j = 0; j < cols; j++) mean[j] += data[i * cols + j] / rows; return { kind: 'low-rank', rows, cols, rank: 1, diagnostics: { iterations: 1, converged: true, residual: 0, milliseconds: 0 }, reconstruct() { const out = new Float64Array(rows * cols); for (let i = 0; i < rows; i++) out.set(mean, i * cols); return { rows, cols, data: out }; }, storedNumbers() { return cols + 1; } }; } };\n`;
    mkdirSync(join(workspace, 'plugins'));
    writeFileSync(join(workspace, 'plugins', 'package.json'), '{"type":"module"}');
    writeFileSync(join(workspace, 'plugins', 'row-mean.js'), plugin('row-mean', 'Row mean (relative path)'));
    writeFileSync(
      join(workspace, 'plugins', 'absolute.js'),
      plugin('absolute-mean', 'Row mean (absolute path)'),
    );
    writeFileSync(
      join(workspace, 'plugins', 'broken.js'),
      'export default { meta: { name: "Not Kebab" } };\n',
    );
    const named = join(workspace, 'node_modules', 'lowrank-plugin-named');
    mkdirSync(named, { recursive: true });
    writeFileSync(
      join(named, 'package.json'),
      '{"name":"lowrank-plugin-named","type":"module","exports":"./index.js"}',
    );
    writeFileSync(join(named, 'index.js'), plugin('named-mean', 'Row mean (package name)'));
    mkdirSync(join(workspace, '.vscode'));
    writeFileSync(
      join(workspace, '.vscode', 'settings.json'),
      JSON.stringify({
        'lowrank.plugins': [
          './examples/nmf-plugin',
          './plugins/row-mean.js',
          join(workspace, 'plugins', 'absolute.js'),
          'lowrank-plugin-named',
          './plugins/broken.js',
        ],
      }),
    );
    const userData = join(temp, 'user-data');
    mkdirSync(join(userData, 'User'), { recursive: true });
    writeFileSync(
      join(userData, 'User', 'settings.json'),
      JSON.stringify({
        'workbench.startupEditor': 'none',
        'workbench.tips.enabled': false,
        'security.workspace.trust.enabled': false,
        'extensions.autoCheckUpdates': false,
        'extensions.autoUpdate': false,
        'telemetry.telemetryLevel': 'off',
        'lowrank.video.scale': 1,
        'lowrank.video.maxFrames': 60,
      }),
    );
    const port = await freePort();
    writeFileSync(join(temp, 'config.yaml'), `bind-addr: 127.0.0.1:${port}\nauth: none\ncert: false\n`);
    // code-server's sockets and its TypeScript server's files go to TMPDIR: inside `temp`, so that
    // removing it leaves the temp folder as the tests found it.
    mkdirSync(join(temp, 'tmp'));
    const env = {
      ...process.env,
      TMPDIR: join(temp, 'tmp'),
      XDG_CONFIG_HOME: join(temp, 'xdg-config'),
      XDG_DATA_HOME: join(temp, 'xdg-data'),
    };
    const common = [
      '--config',
      join(temp, 'config.yaml'),
      '--user-data-dir',
      userData,
      '--extensions-dir',
      join(temp, 'extensions'),
    ];
    execFileSync(process.execPath, [entry, ...common, '--install-extension', vsix], {
      env,
      stdio: 'inherit',
    });
    server = spawn(
      process.execPath,
      [
        entry,
        ...common,
        '--disable-telemetry',
        '--disable-update-check',
        '--disable-workspace-trust',
        workspace,
      ],
      { env, stdio: ['ignore', 'pipe', 'pipe'] },
    );
    server.stdout?.on('data', (d: Buffer) => (serverLog += d.toString()));
    server.stderr?.on('data', (d: Buffer) => (serverLog += d.toString()));
    await waitForHttp(`http://127.0.0.1:${port}/healthz`, 60_000);
    browser = await chromium.launch({
      executablePath: chromiumPath,
      args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking'],
    });
    page = await browser.newPage({ viewport: { width: 1400, height: 1000 } });
    await page.goto(`http://127.0.0.1:${port}/?folder=${encodeURIComponent(workspace)}`);
    await explorerItem('coffee-small.png');
    await page.waitForTimeout(4000);
  });

  afterAll(async () => {
    if (page) await shot('final').catch(() => undefined);
    await browser?.close();
    if (server && server.exitCode === null) {
      server.kill('SIGTERM');
      await new Promise((r) => setTimeout(r, 1000));
      if (server.exitCode === null) server.kill('SIGKILL');
    }
    if (temp) rmSync(temp, { recursive: true, force: true });
  });

  it('previews SVD compression: the slider changes the ratio and the PSNR', async () => {
    await runFromContextMenu('coffee-small.png', 'Preview SVD Compression');
    const view = webview();
    const ratio = view.locator('#ratio');
    const psnr = view.locator('#psnr');
    await expect.poll(async () => (await ratio.textContent()) ?? '', { timeout: 120_000 }).toMatch(/: 1$/);
    await expect
      .poll(async () => (await psnr.textContent()) ?? '', { timeout: 60_000 })
      .toMatch(/^[0-9.]+ dB$/);
    const before = {
      ratio: await ratio.textContent(),
      psnr: await psnr.textContent(),
      rank: await view.locator('#rank').inputValue(),
    };
    await shot('compression-before');
    await view.locator('#rank').focus();
    for (let i = 0; i < 20; i++) await view.locator('#rank').press('ArrowRight');
    await expect.poll(async () => await view.locator('#rank').inputValue()).not.toBe(before.rank);
    await expect
      .poll(async () => (await psnr.textContent()) ?? '', { timeout: 60_000 })
      .toMatch(/^[0-9.]+ dB$/);
    await expect.poll(async () => await psnr.textContent(), { timeout: 60_000 }).not.toBe(before.psnr);
    const after = {
      ratio: await ratio.textContent(),
      psnr: await psnr.textContent(),
      rank: await view.locator('#rank').inputValue(),
    };
    expect(after.ratio).not.toBe(before.ratio);
    // A higher rank keeps more: higher PSNR, lower compression ratio.
    expect(Number(after.rank)).toBeGreaterThan(Number(before.rank));
    expect(Number.parseFloat(after.psnr!)).toBeGreaterThan(Number.parseFloat(before.psnr!));
    expect(Number.parseFloat(after.ratio!)).toBeLessThan(Number.parseFloat(before.ratio!));
    await shot('compression-after');
    // The spectrum chart is drawn in the theme's colours and redrawn when the theme changes.
    const spectrum = async () => view.locator('#spectrum').evaluate((c: HTMLCanvasElement) => c.toDataURL());
    const lightChart = await spectrum();
    await colourTheme('Dark Modern');
    await expect.poll(spectrum, { timeout: 10_000 }).not.toBe(lightChart);
    await shot('compression-dark-theme');
    await colourTheme('Light Modern');
    await expect.poll(spectrum, { timeout: 10_000 }).toBe(lightChart);
    // Save writes a new PNG beside the original.
    await view.locator('#save').click();
    const saved = join(workspace, `coffee-small-svd-rank${after.rank}.png`);
    await expect.poll(() => existsSync(saved), { timeout: 30_000 }).toBe(true);
    expect((await sharp(saved).metadata()).width).toBe(150);
    // Hidden and shown again (its webview is destroyed meanwhile): the rank and numbers come back.
    await runFromContextMenu('tiny-traffic.avi', 'Separate Background and Foreground');
    await expect
      .poll(async () => (await webview().locator('#probe').textContent()) ?? '', { timeout: 60_000 })
      .toMatch(/frames/);
    await page.locator('.tabs-container .tab', { hasText: 'SVD: coffee-small.png' }).click();
    await expect
      .poll(async () => await webview().locator('#rank').inputValue(), { timeout: 30_000 })
      .toBe(after.rank);
    await expect
      .poll(async () => await webview().locator('#ratio').textContent(), { timeout: 30_000 })
      .toBe(after.ratio);
    // A window reload restores the panel through its serializer, at the same rank.
    await page.reload();
    await explorerItem('coffee-small.png');
    await page.locator('.tabs-container .tab', { hasText: 'SVD: coffee-small.png' }).click();
    await expect
      .poll(async () => (await webview().locator('#ratio').textContent()) ?? '', { timeout: 120_000 })
      .toBe(after.ratio);
    expect(await webview().locator('#rank').inputValue()).toBe(after.rank);
    await shot('compression-restored');
    console.log(
      `compression: rank ${before.rank} -> ${after.rank}, ratio ${before.ratio} -> ${after.ratio}, PSNR ${before.psnr} -> ${after.psnr}`,
    );
    await closeAllEditors();
  });

  it('opens a 4000 x 3000 photo from the Command Palette: preview, slider, zoom and pan, click-to-set-rank, memory in budget (timings printed)', async () => {
    // The photo is the active editor; the palette command applies to it.
    const row = await explorerItem('photo-4000x3000.jpg');
    await row.dblclick();
    await page
      .locator('.tabs-container .tab.active', { hasText: 'photo-4000x3000.jpg' })
      .waitFor({ state: 'visible', timeout: 30_000 });
    await page.waitForTimeout(1000);
    const memory = sampleExtensionHostMemory();
    const started = Date.now();
    await runFromPalette('Lowrank: Preview SVD Compression');
    // When the workbench shows the panel's tab, and when the webview's document began: between the
    // two, the webview host (code-server's) loads the page, before any of our code runs.
    await page
      .locator('.tabs-container .tab', { hasText: 'SVD: photo-4000x3000.jpg' })
      .waitFor({ state: 'visible', timeout: 60_000 });
    const tabShown = (Date.now() - started) / 1000;
    const view = await webviewWith('#reconstruction').catch(async (error: unknown) => {
      await shot('big-photo-no-panel');
      throw new Error(`${String(error)} Workbench: ${await workbenchState()}`);
    });
    const documentBegan =
      ((await view.locator('html').evaluate(() => performance.timeOrigin)) - started) / 1000;
    // Long tasks on the webview's main thread, from as early as the page exists.
    await expect
      .poll(
        async () =>
          view
            .locator('body')
            .evaluate(() => {
              const w = window as unknown as {
                __longTasks?: [number, number, string][];
                __statusLog?: [number, string][];
              };
              if (!w.__longTasks) {
                w.__longTasks = [];
                new PerformanceObserver((list) => {
                  // [wall-clock start, duration, whose]: placed against the status lines below. In
                  // code-server the workbench shares this thread ("self" is the webview's own work).
                  for (const e of list.getEntries())
                    w.__longTasks!.push([performance.timeOrigin + e.startTime, e.duration, e.name]);
                }).observe({ type: 'longtask', buffered: true });
                // When each status line appears (wall clock): where the time to a first picture goes.
                w.__statusLog = [];
                const status = document.getElementById('status');
                if (status)
                  new MutationObserver(() =>
                    w.__statusLog!.push([Date.now(), status.textContent ?? '']),
                  ).observe(status, { childList: true, characterData: true, subtree: true });
              }
              return true;
            })
            .catch(() => false),
        { timeout: 60_000, interval: 50 },
      )
      .toBe(true);
    await view
      .locator('#original[data-shown="true"]')
      .waitFor({ timeout: 60_000 })
      .catch(async (error: unknown) => {
        await shot('big-photo-no-original');
        throw error;
      });
    const originalShown = (Date.now() - started) / 1000;
    // Decoded and resized in the panel's worker, not on its main thread.
    expect(await view.locator('html').getAttribute('data-decoded-off-thread')).toBe('true');
    await view.locator('#reconstruction[data-rank]').waitFor({ timeout: 120_000 });
    const firstReconstruction = (Date.now() - started) / 1000;
    await shot('big-photo-first-preview');
    await expect
      .poll(async () => (await view.locator('#ratio').textContent()) ?? '', { timeout: 300_000 })
      .toMatch(/: 1$/);
    const finished = (Date.now() - started) / 1000;
    expect(await view.locator('#partial-note').textContent()).toMatch(/leading 100 singular triplets/);
    // Slider steps: each one's time from the input event to the pane drawn at the new rank.
    const slider = view.locator('#rank');
    await slider.focus();
    const latencies: number[] = [];
    for (let i = 0; i < 12; i++) {
      const target = String(Number(await slider.inputValue()) + 1);
      await slider.press('ArrowRight');
      await view.locator(`#reconstruction[data-rank="${target}"]`).waitFor({ timeout: 10_000 });
      latencies.push(Number(await view.locator('#reconstruction').getAttribute('data-latency-ms')));
    }
    latencies.sort((a, b) => a - b);
    console.log(
      `big photo: panel tab shown ${tabShown.toFixed(2)} s, webview document began ${documentBegan.toFixed(2)} s, original shown ${originalShown.toFixed(2)} s, first reconstruction ${firstReconstruction.toFixed(2)} s, all ranks ${finished.toFixed(2)} s; slider steps (ms) ${JSON.stringify(latencies)}; load ${loadavg()[0]!.toFixed(1)}`,
    );
    // Zoom and pan: both panes show the same region.
    const box = (await view.locator('#reconstruction').boundingBox())!;
    await page.mouse.move(box.x + box.width * 0.4, box.y + box.height * 0.4);
    for (let i = 0; i < 6; i++) await page.mouse.wheel(0, -200);
    await page.mouse.down();
    await page.mouse.move(box.x + box.width * 0.6, box.y + box.height * 0.5, { steps: 5 });
    await page.mouse.up();
    await expect.poll(() => view.locator('#zoom-value').textContent()).not.toBe('fit');
    await expect
      .poll(async () => [
        await view.locator('#original').getAttribute('data-region'),
        await view.locator('#reconstruction').getAttribute('data-region'),
      ])
      .toSatisfy(([a, b]) => a !== null && a === b);
    await view.locator('#zoom-1to1').click();
    await expect
      .poll(async () => await view.locator('#reconstruction').getAttribute('data-region'))
      .toBe(await view.locator('#original').getAttribute('data-region'));
    await shot('big-photo-zoomed');
    await view.locator('#zoom-fit').click();
    // Click-to-set-rank on the spectrum.
    await view.locator('#spectrum').scrollIntoViewIfNeeded();
    await page.waitForTimeout(300);
    const chart = (await view.locator('#spectrum').boundingBox())!;
    await page.mouse.move(chart.x + chart.width / 2, chart.y + chart.height / 2);
    await expect.poll(() => view.locator('#spectrum-readout').textContent()).toMatch(/^k = \d+: σ = /);
    const hovered = /^k = (\d+)/.exec((await view.locator('#spectrum-readout').textContent()) ?? '')![1]!;
    await page.mouse.click(chart.x + chart.width / 2, chart.y + chart.height / 2);
    await expect.poll(() => slider.inputValue()).toBe(hovered);
    const longTasks = await view
      .locator('body')
      .evaluate(() => (window as unknown as { __longTasks: [number, number, string][] }).__longTasks);
    const longTaskText = (whose: (name: string) => boolean) =>
      longTasks
        .filter(([, , name]) => whose(name))
        .map(([at, ms]) => `${Math.round(ms)} at ${((at - started) / 1000).toFixed(2)}`)
        .join(', ') || 'none';
    const statusLog = await view
      .locator('body')
      .evaluate(() => (window as unknown as { __statusLog: [number, string][] }).__statusLog);
    console.log(
      `big photo status lines (s after the command): ${statusLog
        .filter(([, text], i) => i === 0 || text !== statusLog[i - 1]![1])
        .map(([at, text]) => `${((at - started) / 1000).toFixed(2)} ${text.slice(0, 60)}`)
        .join(' | ')}`,
    );
    const peak = await memory.stop();
    console.log(
      `big photo: original ${originalShown.toFixed(2)} s, first reconstruction ${firstReconstruction.toFixed(2)} s, all ranks ${finished.toFixed(2)} s; slider steps median ${latencies[6]} ms, max ${latencies[11]} ms; webview's own long tasks (ms at s) ${longTaskText((name) => name === 'self')}; the workbench's on the same thread ${longTaskText((name) => name !== 'self')}; extension host peak RSS ${(peak / 2 ** 20).toFixed(0)} MiB; load ${loadavg()[0]!.toFixed(1)}`,
    );
    // The timing goals (first reconstruction within 5 s, slider median under 50 ms, no webview task
    // over 100 ms) are printed above, not asserted: wall times on a shared machine measure its load
    // (the project's rule: speed goals live in benchmarks). What must hold at any load is asserted.
    expect(firstReconstruction).toBeGreaterThan(0);
    expect(latencies.length).toBeGreaterThan(0);
    // The extension host (the worker is a thread of it) within lowrank.memoryBudgetMB (2048).
    expect(peak).toBeLessThan(2048 * 2 ** 20);
    await closeAllEditors();
  });

  it("loads every documented form of lowrank.plugins and shows a broken plugin's error", async () => {
    await runFromContextMenu('coffee-small.png', 'Preview SVD Compression');
    const view = webview();
    await expect
      .poll(async () => (await view.locator('.plugin-error').allTextContents()).join(' '), {
        timeout: 120_000,
      })
      .toContain('./plugins/broken.js');
    expect(await view.locator('#plugin-note').textContent()).toMatch(/could not be loaded/);
    await view.locator('#method').click();
    const options = (await view.locator('#method vscode-option').allTextContents()).map((t) => t.trim());
    expect(options).toEqual(
      expect.arrayContaining([
        'Non-negative matrix factorization (HALS) (plugin)',
        'Row mean (relative path) (plugin)',
        'Row mean (absolute path) (plugin)',
        'Row mean (package name) (plugin)',
      ]),
    );
    await page.keyboard.press('Escape');
    await shot('plugins');
    await closeAllEditors();
  });

  it('offers the preview in the editor title of an image and in Open With...', async () => {
    const row = await explorerItem('coffee-small.png');
    await row.dblclick();
    const titleAction = page.locator('.editor-actions [aria-label="Preview SVD Compression"]').first();
    await titleAction.waitFor({ state: 'visible', timeout: 30_000 });
    await closeAllEditors();
    await runFromContextMenu('coffee-small.png', 'Open With...');
    await page.getByRole('option', { name: /Lowrank SVD Compression/ }).click();
    await expect
      .poll(async () => (await webview().locator('#ratio').textContent()) ?? '', { timeout: 120_000 })
      .toMatch(/: 1$/);
    await shot('custom-editor');
    await closeAllEditors();
  });

  it('separates background and foreground of a video into three panes', async () => {
    await runFromContextMenu('tiny-traffic.avi', 'Separate Background and Foreground');
    const view = webview();
    await expect
      .poll(async () => (await view.locator('#probe').textContent()) ?? '', { timeout: 60_000 })
      .toMatch(/51 frames/);
    // lowrank.video.maxFrames is 60: the Frames field offers the 51 the video has.
    expect(await fieldValue(view, '#frame-count')).toBe('51');
    await view.locator('#run').click();
    await view.locator('#results').waitFor({ state: 'visible', timeout: 180_000 });
    for (const pane of ['#frame-original', '#frame-background', '#frame-foreground']) {
      const size = await view.locator(pane).evaluate((c: HTMLCanvasElement) => [c.width, c.height]);
      expect(size).toEqual([48, 48]);
    }
    await expect
      .poll(async () => (await view.locator('#summary').textContent()) ?? '')
      .toContain('iteration');
    await shot('separation');
    // Export writes a new folder beside the video: three videos and the mask frames.
    await view.locator('#export').click();
    await expect
      .poll(async () => (await view.locator('#status').textContent()) ?? '', { timeout: 120_000 })
      .toMatch(/Exported to /);
    const folder = ((await view.locator('#status').textContent()) ?? '').replace('Exported to ', '').trim();
    const exported = readdirSync(join(workspace, folder)).sort();
    // The same files as `lowrank separate --masks` writes.
    expect(exported).toEqual([
      'background.mp4',
      'foreground.mp4',
      'mask.mp4',
      'masks',
      'matrix.png',
      'summary.json',
    ]);
    expect(readdirSync(join(workspace, folder, 'masks'))).toHaveLength(51);
    // Status lines say what is true now: no progress line beside "Exported to".
    expect((await view.locator('#progress').textContent())?.trim()).toBe('');
    // A direct method (svd-background): no convergence to chart, and the old "Exported to" goes.
    await pickMethod(view, 'SVD background', 'svd-background');
    await view.locator('#run').click();
    await expect
      .poll(async () => (await view.locator('#summary').textContent()) ?? '', { timeout: 120_000 })
      .toMatch(/^svd-background: .*a direct method/);
    expect(await view.locator('#convergence-figure').isVisible()).toBe(false);
    expect(await view.locator('#status').textContent()).not.toMatch(/Exported/);
    // A window reload shows the separation again, from the extension's storage, without running it.
    const summary = await view.locator('#summary').textContent();
    await page.reload();
    await explorerItem('tiny-traffic.avi');
    await page.locator('.tabs-container .tab', { hasText: 'Separation: tiny-traffic.avi' }).click();
    await expect
      .poll(async () => (await webview().locator('#summary').textContent()) ?? '', { timeout: 120_000 })
      .toBe(summary);
    expect(await webview().locator('#results').isVisible()).toBe(true);
    expect(await webview().locator('#status').textContent()).toMatch(/Restored/);
    await shot('separation-restored');
    await closeAllEditors();
  });

  it('under a tight memory budget, Automatic streams with a note; robust PCA is refused and Lower Scale runs it at the suggested scale', async () => {
    const settingsFile = join(workspace, '.vscode', 'settings.json');
    const before = readFileSync(settingsFile, 'utf8');
    // 240 MB: batch rpca of the full-size 60-frame highway video does not fit (about 350 MB), a
    // smaller scale does, and a stream does (about 200 MB with its outputs and the runtime).
    writeFileSync(settingsFile, JSON.stringify({ ...JSON.parse(before), 'lowrank.memoryBudgetMB': 240 }));
    await page.waitForTimeout(1500);
    try {
      await runFromContextMenu('highway.avi', 'Separate Background and Foreground');
      const view = webview();
      await expect
        .poll(async () => (await view.locator('#probe').textContent()) ?? '', { timeout: 60_000 })
        .toMatch(/frames/);
      // Automatic (the default): batch robust PCA would not fit, so the frames go through streaming-rpca.
      expect(await methodValue(view)).toBe('auto');
      await view.locator('#run').click();
      await expect
        .poll(async () => (await view.locator('#summary').textContent()) ?? '', { timeout: 180_000 })
        .toMatch(/^streaming-rpca: .*streamed frame by frame: 60 frames/)
        .catch(async (error: unknown) => {
          await shot('automatic-not-streamed');
          const status = await view.locator('#status').textContent();
          const shown = await view.locator('#error').textContent();
          throw new Error(`no streamed summary; status "${status}", error "${shown}"`, { cause: error });
        });
      expect(await view.locator('#run-note').textContent()).toMatch(
        /would not fit the memory budget with rpca; separating them as a stream with streaming-rpca/,
      );
      await shot('automatic-streamed');
      // Robust PCA, chosen: refused, with the scale that fits.
      await pickMethod(view, 'Robust PCA (principal component pursuit)', 'rpca');
      await view.locator('#run').click();
      await expect
        .poll(async () => (await view.locator('#error').textContent()) ?? '', { timeout: 120_000 })
        .toMatch(/lower the scale to [0-9.]+/);
      const suggested = /lower the scale to ([0-9.]+)/.exec(
        (await view.locator('#error').textContent())!,
      )![1]!;
      const action = page.locator('.notifications-toasts .monaco-button', { hasText: 'Lower Scale' }).first();
      await action.waitFor({ state: 'visible', timeout: 30_000 });
      await shot('lower-scale-offered');
      await action.click();
      await expect
        .poll(
          async () =>
            (await view.locator('#scale').getAttribute('current-value')) ??
            (await view.locator('#scale').getAttribute('value')),
          { timeout: 30_000 },
        )
        .toBe(suggested);
      await expect
        .poll(async () => (await view.locator('#summary').textContent()) ?? '', { timeout: 300_000 })
        .toMatch(/^rpca: .*iteration/);
      console.log(`Lower Scale: refused at scale 1, ran at ${suggested}`);
    } finally {
      writeFileSync(settingsFile, before);
      await closeAllEditors();
    }
  });

  it('streams with streaming-rpca, showing frames as they are computed; Cancel keeps the frames done', async () => {
    await runFromContextMenu('long-traffic.avi', 'Separate Background and Foreground');
    const view = webview();
    await expect
      .poll(async () => (await view.locator('#probe').textContent()) ?? '', { timeout: 60_000 })
      .toMatch(/\d+ frames of 320 × 240/);
    // The header's count (from the duration) may differ from the frames decoded: read them all.
    const total = Number(/(\d+) frames of/.exec((await view.locator('#probe').textContent())!)![1]);
    await setField(view, '#frame-count', String(total));
    await pickMethod(view, 'Streaming robust PCA', 'streaming-rpca');
    await view.locator('#run').click();
    // Frames appear while the run goes on: the live label moves on, the panes are drawn.
    const live = new Set<string>();
    await expect
      .poll(
        async () => {
          const label = (await view.locator('#frame-value').textContent()) ?? '';
          if (/^live: frame \d+$/.test(label)) live.add(label);
          return live.size;
        },
        { timeout: 120_000, interval: 100 },
      )
      .toBeGreaterThanOrEqual(2);
    expect(await view.locator('#summary').textContent()).toBe('');
    const background = await view
      .locator('#frame-background')
      .evaluate((c: HTMLCanvasElement) => [c.width, c.height]);
    expect(background).toEqual([320, 240]);
    await shot('streaming-live');
    await view.locator('#cancel').click();
    await expect
      .poll(async () => (await view.locator('#summary').textContent()) ?? '', { timeout: 60_000 })
      .toMatch(/^streaming-rpca: .*stopped early, keeping the \d+ frames done/);
    const kept = Number(/keeping the (\d+) frames/.exec((await view.locator('#summary').textContent())!)![1]);
    expect(kept).toBeGreaterThan(1);
    expect(kept).toBeLessThan(1480);
    expect(await view.locator('#frame-value').textContent()).toBe(`frame 1 / ${kept}`);
    expect(await view.locator('#status').textContent()).toMatch(`Stopped: the ${kept} frames`);
    await shot('streaming-stopped');
    // What was kept exports like any separation.
    await view.locator('#export').click();
    await expect
      .poll(async () => (await view.locator('#status').textContent()) ?? '', { timeout: 120_000 })
      .toMatch(/Exported to /);
    const folder = ((await view.locator('#status').textContent()) ?? '').replace('Exported to ', '').trim();
    expect(readdirSync(join(workspace, folder, 'masks'))).toHaveLength(kept);
    console.log(`streaming: ${live.size} live frames seen, stopped with ${kept} of ${total} frames kept`);
    rmSync(join(workspace, folder), { recursive: true, force: true });
    await closeAllEditors();
  });

  it('runs the commands from the Command Palette, asking for the file or folder', async () => {
    await closeAllEditors();
    await runFromPalette('Lowrank: Separate Background and Foreground');
    // Which kind of source first (a dialog cannot pick both files and folders on Windows and Linux).
    await page.getByRole('option', { name: /A folder of frames/ }).click();
    // code-server's file dialog: a path field; its button enters a folder, then picks it.
    const path = page.locator('.quick-input-widget input').first();
    await fillDialogPath(path, join(workspace, 'frames'));
    const accept = page.locator('.quick-input-widget .monaco-button', { hasText: 'Separate' });
    for (let i = 0; i < 3 && (await accept.isVisible()); i++) {
      await accept.click();
      await page.waitForTimeout(1000);
    }
    const view = webview();
    await expect
      .poll(async () => (await view.locator('#probe').textContent()) ?? '', { timeout: 60_000 })
      .toMatch(/^frames: 12 frames of 48 × 48/);
    expect(await fieldValue(view, '#frame-count')).toBe('12');
    await closeAllEditors();
    // Compression with no image open: the same dialog, then the panel for the file picked.
    await runFromPalette('Lowrank: Preview SVD Compression');
    await fillDialogPath(path, join(workspace, 'coffee-small.png'));
    // As above: the dialog's own button, pressed until the dialog closes (Enter alone sometimes
    // only completed the path, and no panel opened).
    const open = page.locator('.quick-input-widget .monaco-button', { hasText: 'Preview SVD Compression' });
    for (let i = 0; i < 3 && (await open.isVisible()); i++) {
      await open.click();
      await page.waitForTimeout(1000);
    }
    await expect
      .poll(async () => (await webview().locator('#ratio').textContent()) ?? '', { timeout: 120_000 })
      .toMatch(/: 1$/);
    await closeAllEditors();
  });

  it('cancels a running separation and leaves no files behind', async () => {
    const before = workspaceListing();
    await runFromContextMenu('highway.avi', 'Separate Background and Foreground');
    const view = webview();
    await expect
      .poll(async () => (await view.locator('#probe').textContent()) ?? '', { timeout: 60_000 })
      .toMatch(/frames/);
    await view.locator('#run').click();
    await view.locator('#cancel').waitFor({ state: 'visible', timeout: 30_000 });
    await page.waitForTimeout(1500);
    await view.locator('#cancel').click();
    await expect
      .poll(async () => (await view.locator('#progress').textContent()) ?? '', { timeout: 30_000 })
      .toContain('Cancelled');
    expect(await view.locator('#results').isVisible()).toBe(false);
    await shot('cancelled');
    expect(workspaceListing()).toEqual(before);
  });
});
