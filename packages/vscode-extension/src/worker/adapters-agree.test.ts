/**
 * The two front ends are adapters over one pipeline: `lowrank compress`/`separate` and the panels'
 * worker must give the same numbers and the same files for the same input and options.
 */
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { type CliIO, main } from '@lowrank/cli';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Engine } from './engine.js';

const repoRoot = fileURLToPath(new URL('../../../../', import.meta.url));
const camera = join(repoRoot, 'samples', 'camera.png');
const tinyVideo = join(repoRoot, 'samples', 'tiny-traffic-48x48.avi');
let dir = '';
const noProgress = () => undefined;

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'lowrank-adapters-'));
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

async function cli(args: string[]): Promise<{ code: number; out: string; err: string }> {
  let out = '';
  let err = '';
  const io: CliIO = {
    stdout: { write: (t: string) => (out += t) },
    stderr: { write: (t: string) => (err += t) },
    stdoutIsTTY: false,
    cwd: dir,
    env: {},
    signal: new AbortController().signal,
  };
  const code = await main(args, io);
  return { code, out, err };
}

function engine(): Engine {
  return new Engine({
    pluginModules: [],
    pluginBase: dir,
    memoryBudgetBytes: 2048 * 2 ** 20,
    defaultRank: 50,
  });
}

describe('the CLI and the VS Code worker agree', () => {
  it('compress: same rank, metrics and PNG bytes for the same method and options', async () => {
    for (const [method, options] of [
      ['svd', {}],
      ['randomized-svd', { seed: 3 }],
      ['svd', { rank: 20 }],
    ] as const) {
      const cliPng = join(dir, `cli-${method}-${Object.keys(options).join('')}.png`);
      const flags = Object.entries(options).flatMap(([k, v]) => [`--${k}`, String(v)]);
      const r = await cli(['compress', camera, '--method', method, ...flags, '--out', cliPng, '--json']);
      expect(r.err).toBe('');
      const fromCli = JSON.parse(r.out);
      const panel = engine();
      const { result } = await panel.compress(
        { type: 'compress', file: camera, method, options, colour: false, rankCap: 1 },
        noProgress,
      );
      expect(result.rank).toBe(fromCli.rank);
      const quality = panel.quality(result.rank);
      expect(quality.psnr).toBe(fromCli.psnr);
      expect(quality.ssim).toBe(fromCli.ssim);
      expect(quality.relativeError).toBe(fromCli.relativeError);
      expect(result.storedNumbers[result.rank - 1]).toBe(fromCli.storedNumbers);
      const panelPng = join(dir, `panel-${method}-${Object.keys(options).join('')}.png`);
      await panel.savePng(result.rank, panelPng);
      expect(readFileSync(panelPng).equals(readFileSync(cliPng))).toBe(true);
    }
  });

  it('separate: same summary and byte-identical outputs, gray and colour', async () => {
    for (const colour of [false, true]) {
      const cliOut = join(dir, `cli-separation-${colour}`);
      const r = await cli([
        'separate',
        tinyVideo,
        '--method',
        'svd-background',
        '--masks',
        ...(colour ? ['--color'] : []),
        '--out',
        cliOut,
        '--json',
      ]);
      expect(r.err).toBe('');
      const fromCli = JSON.parse(r.out);
      const panel = engine();
      const result = await panel.separate(
        {
          type: 'separate',
          file: tinyVideo,
          method: 'svd-background',
          options: {},
          colour,
          scale: 1,
          startFrame: 0,
          frameCount: 200,
        },
        noProgress,
      );
      expect([result.frames, result.width, result.height, result.channels]).toEqual([
        fromCli.frames,
        fromCli.width,
        fromCli.height,
        fromCli.channels,
      ]);
      expect([result.rank, result.iterations, result.residual]).toEqual([
        fromCli.rank,
        fromCli.iterations,
        fromCli.residual,
      ]);
      const panelOut = join(dir, `panel-separation-${colour}`);
      await panel.export(panelOut, noProgress);
      const files = (folder: string) => readdirSync(folder, { recursive: true }).map(String).sort();
      expect(files(panelOut)).toEqual(files(cliOut));
      for (const file of files(cliOut).filter((f) => /\.(png|mp4)$/.test(f))) {
        expect(readFileSync(join(panelOut, file)).equals(readFileSync(join(cliOut, file))), file).toBe(true);
      }
      const summary = (folder: string) => {
        const {
          decodeSeconds: _d,
          factorizeSeconds: _f,
          ...rest
        } = JSON.parse(readFileSync(join(folder, 'summary.json'), 'utf8'));
        return rest;
      };
      expect(summary(panelOut)).toEqual(summary(cliOut));
    }
  });
});
