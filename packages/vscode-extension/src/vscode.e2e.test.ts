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
  rmSync,
  symlinkSync,
  writeFileSync,
} from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { type Browser, chromium, type FrameLocator, type Page } from 'playwright-core';
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

async function closeAllEditors(): Promise<void> {
  await page.keyboard.press('Escape');
  await page.keyboard.press('F1');
  await page.keyboard.type('View: Close All Editors');
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
    cpSync(sample('highway-traffic-320x240-cut.avi'), join(workspace, 'highway.avi'));
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
    const env = {
      ...process.env,
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
    await expect.poll(async () => (await psnr.textContent()) ?? '', { timeout: 60_000 }).toMatch(/dB$/);
    const before = {
      ratio: await ratio.textContent(),
      psnr: await psnr.textContent(),
      rank: await view.locator('#rank').inputValue(),
    };
    await shot('compression-before');
    await view.locator('#rank').focus();
    for (let i = 0; i < 20; i++) await view.locator('#rank').press('ArrowRight');
    await expect.poll(async () => await view.locator('#rank').inputValue()).not.toBe(before.rank);
    await expect.poll(async () => (await psnr.textContent()) ?? '', { timeout: 60_000 }).toMatch(/dB$/);
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
