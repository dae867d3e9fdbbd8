import { readFile, writeFile } from 'node:fs/promises';
import { cpus, loadavg } from 'node:os';
import { join, resolve } from 'node:path';
import { type DenseMatrix, InvalidInputError, throwIfAborted, type VideoMatrix, zeros } from '@lowrank/core';
import { encodeImage, writeDirAtomic } from '@lowrank/io';
import { compressImageFile, separateVideo, VideoSeparation } from '@lowrank/pipelines';
import { type FlagDef, getBoolean, getString, parseArgs } from '../args.js';
import { type CliIO, EXIT_OK, formatSeconds } from '../cli-io.js';
import type { Command } from '../command.js';
import {
  commandHelp,
  FORCE_FLAG,
  guarded,
  HELP_FLAG,
  JSON_FLAG,
  loadPlugins,
  progressFor,
} from '../command-support.js';
import { repoRoot, samplesDir } from '../data-folders.js';
import {
  type DemoReportData,
  type RateDistortionRow,
  renderDemoReport,
  type VideoRun,
} from '../report/html-report.js';
import { foregroundPicture } from '../video-outputs.js';

/** Robust PCA costs grow with pixels x frames: a quarter-size, 100-frame clip keeps the demo short. */
export const DEMO_VIDEO_SCALE = 0.25;
export const DEMO_VIDEO_FRAMES = 100;

const FLAGS: FlagDef[] = [
  {
    name: 'out',
    kind: 'value',
    valueName: 'DIR',
    description: 'Folder for the report and its outputs.',
    defaultText: 'demo-output/ in the repo',
  },
  FORCE_FLAG,
  JSON_FLAG,
  HELP_FLAG,
];

export interface DemoOptions {
  readonly outDir: string;
  /** Replace an existing outDir. */
  readonly force: boolean;
  readonly image?: string;
  readonly video?: string;
  /** Frame scale for the video (robust PCA cost grows with pixels x frames). Default 0.25. */
  readonly videoScale?: number;
  /** Frames of the video to use (default 100). */
  readonly videoCount?: number;
  readonly ranks?: readonly number[];
  readonly signal?: AbortSignal;
  readonly log?: (message: string) => void;
  readonly onStage?: (stage: string) => void;
}

export interface DemoResult {
  report: string;
  outDir: string;
  seconds: number;
  timings: { step: string; seconds: number }[];
}

async function pngDataUri(image: DenseMatrix | readonly DenseMatrix[]): Promise<string> {
  const bytes = await encodeImage(image as DenseMatrix, 'png');
  return `data:image/png;base64,${Buffer.from(bytes).toString('base64')}`;
}

function clamp01(m: DenseMatrix): DenseMatrix {
  const out = zeros(m.rows, m.cols);
  for (let k = 0; k < m.data.length; k++) out.data[k] = Math.min(1, Math.max(0, m.data[k]!));
  return out;
}

function frameOf(video: VideoMatrix, f: number): DenseMatrix | DenseMatrix[] {
  const pixels = video.width * video.height;
  if (video.channels === 1) {
    const m = zeros(video.height, video.width);
    m.data.set(video.data.subarray(f * video.cols, f * video.cols + pixels));
    return clamp01(m);
  }
  const channels = [0, 1, 2].map(() => zeros(video.height, video.width));
  for (let p = 0; p < pixels; p++)
    for (let c = 0; c < 3; c++) channels[c]!.data[p] = video.data[f * video.cols + p * 3 + c]!;
  return channels.map(clamp01);
}

async function timed<T>(
  timings: { step: string; seconds: number }[],
  step: string,
  fn: () => Promise<T>,
): Promise<T> {
  const start = performance.now();
  const value = await fn();
  timings.push({ step, seconds: (performance.now() - start) / 1000 });
  return value;
}

/** Compresses and separates the bundled samples and writes a self-contained HTML report. */
export async function runDemo(options: DemoOptions, io: CliIO): Promise<DemoResult> {
  const started = performance.now();
  const samples = samplesDir();
  const imagePath = options.image ?? join(samples, 'camera.png');
  const videoPath = options.video ?? join(samples, 'highway-traffic-320x240-cut.avi');
  const ranks = options.ranks ?? [5, 20, 50, 100];
  const log = options.log ?? (() => undefined);
  const timings: { step: string; seconds: number }[] = [];
  const loaded = await loadPlugins([], io);
  const signal = options.signal;
  const videoScale = options.videoScale ?? DEMO_VIDEO_SCALE;
  const videoCount = options.videoCount ?? DEMO_VIDEO_FRAMES;

  return await writeDirAtomic(
    options.outDir,
    async (dir) => {
      // Image: one full SVD gives every rank, the spectrum and the energy curve.
      options.onStage?.('image');
      const job = await timed(timings, 'svd camera.png (full spectrum)', () =>
        compressImageFile(imagePath, { method: 'svd', methods: loaded.registry }, signal ? { signal } : {}),
      );
      const m = job.planes[0]!;
      const image = { width: job.width, height: job.height };
      const singularValues = Array.from(job.singularValues?.[0] ?? []);
      const pictures = [];
      for (const k of ranks.filter((r) => r <= job.maxRank)) {
        throwIfAborted(signal);
        const summary = job.summary(k);
        pictures.push({
          rank: k,
          compressionRatio: summary.compressionRatio,
          psnr: summary.psnr,
          ssim: summary.ssim,
          picture: await pngDataUri(job.reconstruct(k)[0]!),
        });
      }
      log(`image: ${pictures.map((p) => `rank ${p.rank} ${p.psnr.toFixed(1)} dB`).join(', ')}`);
      const rateDistortion: RateDistortionRow[] = await timed(
        timings,
        'rate-distortion vs JPEG/WebP',
        async () =>
          (
            await job.sweep(
              [2, 5, 10, 20, 35, 50, 75, 100, 150].filter((r) => r <= job.maxRank),
              signal ? { signal } : {},
            )
          ).map((row) => ({
            rank: row.rank,
            storedNumbers: row.storedNumbers,
            svdPsnr: row.psnr,
            jpegBytes: row.jpeg.bytes,
            jpegPsnr: row.jpeg.psnr,
            webpBytes: row.webp.bytes,
            webpPsnr: row.webp.psnr,
          })),
      );

      // Video: robust PCA and the cheap rank-1 SVD background, on a downscaled short clip.
      options.onStage?.('video');
      const runs: VideoRun[] = [];
      let videoInfo: DemoReportData['video'];
      for (const method of ['rpca', 'svd-background']) {
        if (!loaded.registry.has(method)) {
          log(`method ${method} is not available; skipped.`);
          continue;
        }
        const separation = await timed(timings, `separate: ${method}`, () =>
          separateVideo(
            videoPath,
            {
              method,
              methods: loaded.registry,
              scale: videoScale,
              ...(videoCount !== undefined ? { count: videoCount } : {}),
              masks: true,
              out: join(dir, `separate-${method}`),
              ...(method === 'svd-background' ? { rank: 1 } : {}),
            },
            signal ? { signal } : {},
          ),
        );
        const result = separation.summary();
        log(
          `${method}: rank ${result.rank}, ${result.iterations} iterations, ${formatSeconds(result.factorizeSeconds)}`,
        );
        if (!(separation instanceof VideoSeparation)) throw new Error(`${method} is not a batch method.`);
        const { video, lowRank, sparse, masks } = separation;
        const shown = [Math.floor(video.rows * 0.25), Math.floor(video.rows * 0.6), video.rows - 1];
        const fg = foregroundPicture(sparse);
        const pixels = video.width * video.height;
        const frames = [];
        for (const f of shown) {
          let mask: string | undefined;
          if (masks) {
            const mm = zeros(video.height, video.width);
            for (let p = 0; p < pixels; p++) mm.data[p] = masks[f * pixels + p] ? 1 : 0;
            mask = await pngDataUri(mm);
          }
          frames.push({
            index: f,
            original: await pngDataUri(frameOf(video, f)),
            background: await pngDataUri(frameOf(lowRank, f)),
            foreground: await pngDataUri(frameOf(fg, f)),
            ...(mask ? { mask } : {}),
          });
        }
        runs.push({
          method,
          rank: result.rank,
          iterations: result.iterations,
          converged: result.converged,
          residual: result.residual,
          seconds: result.factorizeSeconds,
          ...(result.history ? { history: result.history } : {}),
          frames,
        });
        if (!videoInfo) {
          const matrixPng = await readFile(join(dir, `separate-${method}`, 'matrix.png'));
          videoInfo = {
            name: videoPath.split('/').pop()!,
            frames: video.rows,
            width: video.width,
            height: video.height,
            matrixPicture: `data:image/png;base64,${matrixPng.toString('base64')}`,
            runs,
          };
        }
      }
      if (!videoInfo)
        throw new InvalidInputError('No background-separation method is available for the demo.');

      const data: DemoReportData = {
        generatedAt: new Date().toISOString(),
        machine: { node: process.version, cpus: cpus().length, load: loadavg() },
        image: {
          name: imagePath.split('/').pop()!,
          width: image.width,
          height: image.height,
          original: await pngDataUri(m),
          method: job.method.meta.name,
          ranks: pictures,
          singularValues,
          rateDistortion,
        },
        video: videoInfo,
        timings,
        notes: [
          `Video: the first ${videoInfo.frames} frames, scaled by ${videoScale} (${videoInfo.width}x${videoInfo.height}) before factorizing, so that the demo finishes within a minute or two.`,
        ],
      };
      await writeFile(join(dir, 'index.html'), renderDemoReport(data));
    },
    { overwrite: options.force, ...(signal ? { signal } : {}) },
  ).then((outDir) => ({
    report: join(outDir, 'index.html'),
    outDir,
    seconds: (performance.now() - started) / 1000,
    timings,
  }));
}

export const demoCommand: Command = {
  name: 'demo',
  summary: 'Compress and separate the bundled samples and write a self-contained HTML report.',
  run: (argv, io) =>
    guarded(io, async () => {
      const args = parseArgs(argv, FLAGS, 'demo');
      if (getBoolean(args, 'help')) {
        io.stdout.write(
          commandHelp({
            usage: 'lowrank demo [--out DIR] [--force] [--json]',
            description:
              "Runs compress and separate on samples/ and writes DIR/index.html (opens offline). The last line printed is the report's path.\nThe default folder demo-output/ is replaced on each run; another existing --out DIR needs --force.",
            flags: FLAGS,
          }),
        );
        return EXIT_OK;
      }
      if (args.positionals.length)
        throw new InvalidInputError(
          `lowrank demo takes no arguments (got "${args.positionals[0]}"); use --out DIR.`,
        );
      const given = getString(args, 'out');
      const outDir = given !== undefined ? resolve(io.cwd, given) : join(repoRoot(), 'demo-output');
      const json = getBoolean(args, 'json');
      const bar = progressFor(io, json);
      const result = await runDemo(
        {
          outDir,
          force: given === undefined || getBoolean(args, 'force'),
          signal: io.signal,
          log: (m) => {
            bar.done();
            if (!json) io.stdout.write(`${m}\n`);
          },
          onStage: (s) => bar.stage(s),
        },
        io,
      );
      bar.done();
      if (json) io.stdout.write(`${JSON.stringify(result)}\n`);
      else io.stdout.write(`demo finished in ${formatSeconds(result.seconds)}\n${result.report}\n`);
      return EXIT_OK;
    }),
};
