import { execFile } from 'node:child_process';
import { promises as fs, constants as fsConstants } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { DependencyMissingError } from '@lowrank/core';

export type FfmpegSource = 'option' | 'env' | 'path' | 'bundled';

export interface FfmpegLocation {
  /** Absolute path of the ffmpeg executable. */
  path: string;
  /** Which step of the discovery chain found it. */
  source: FfmpegSource;
}

export interface FindFfmpegOptions {
  /** An explicit ffmpeg executable; wins over everything else. */
  ffmpegPath?: string;
  /** Environment to read LOWRANK_FFMPEG and PATH from (default process.env). */
  env?: NodeJS.ProcessEnv;
  /** Skip the bundled @ffmpeg-installer/ffmpeg fallback. */
  noBundled?: boolean;
}

async function isExecutable(file: string): Promise<boolean> {
  try {
    const stat = await fs.stat(file);
    if (!stat.isFile()) return false;
    await fs.access(file, process.platform === 'win32' ? fsConstants.F_OK : fsConstants.X_OK);
    return true;
  } catch {
    return false;
  }
}

async function searchPath(
  envPath: string | undefined,
  pathExt: string | undefined,
): Promise<string | undefined> {
  if (!envPath) return undefined;
  const names =
    process.platform === 'win32'
      ? (pathExt ?? '.EXE').split(';').map((ext) => `ffmpeg${ext.toLowerCase()}`)
      : ['ffmpeg'];
  for (const dir of envPath.split(path.delimiter)) {
    if (!dir) continue;
    for (const name of names) {
      const candidate = path.resolve(dir, name);
      if (await isExecutable(candidate)) return candidate;
    }
  }
  return undefined;
}

/** The binary inside the optional @ffmpeg-installer/ffmpeg package, if it is installed. */
export async function bundledFfmpegPath(): Promise<string | undefined> {
  try {
    // import.meta.url is empty when a bundler turns this module into CommonJS: use its require then.
    const load = import.meta.url
      ? createRequire(import.meta.url)
      : typeof require === 'function'
        ? require
        : undefined;
    if (!load) return undefined;
    const found = load('@ffmpeg-installer/ffmpeg') as { path?: unknown };
    if (typeof found.path === 'string' && (await isExecutable(found.path))) return found.path;
  } catch {
    // Not installed, or no binary for this platform: the caller reports what to install.
  }
  return undefined;
}

/**
 * Finds ffmpeg: the explicit `ffmpegPath` option, then env LOWRANK_FFMPEG, then PATH, then the
 * binary of the optional @ffmpeg-installer/ffmpeg package. Throws DependencyMissingError if an
 * explicit path is not executable or nothing is found.
 */
export async function findFfmpeg(options: FindFfmpegOptions = {}): Promise<FfmpegLocation> {
  const env = options.env ?? process.env;
  if (options.ffmpegPath !== undefined) {
    const resolved = path.resolve(options.ffmpegPath);
    if (await isExecutable(resolved)) return { path: resolved, source: 'option' };
    throw new DependencyMissingError(
      'ffmpeg',
      `The ffmpeg path given (${options.ffmpegPath}) is not an executable file.`,
      'Fix the path, or leave it out to use LOWRANK_FFMPEG, PATH or the bundled ffmpeg.',
    );
  }
  const fromEnv = env.LOWRANK_FFMPEG;
  if (fromEnv) {
    const resolved = path.resolve(fromEnv);
    if (await isExecutable(resolved)) return { path: resolved, source: 'env' };
    throw new DependencyMissingError(
      'ffmpeg',
      `LOWRANK_FFMPEG=${fromEnv} is not an executable file.`,
      'Fix or unset LOWRANK_FFMPEG.',
    );
  }
  const onPath = await searchPath(env.PATH ?? env.Path, env.PATHEXT);
  if (onPath) return { path: onPath, source: 'path' };
  if (!options.noBundled) {
    const bundled = await bundledFfmpegPath();
    if (bundled) return { path: bundled, source: 'bundled' };
  }
  throw new DependencyMissingError(
    'ffmpeg',
    'ffmpeg was not found (checked the ffmpegPath option, LOWRANK_FFMPEG, PATH and @ffmpeg-installer/ffmpeg).',
    'Install ffmpeg (e.g. apt-get install ffmpeg, brew install ffmpeg), set LOWRANK_FFMPEG, or npm i @ffmpeg-installer/ffmpeg.',
  );
}

export interface FfmpegCapabilities {
  /** First line of `ffmpeg -version`. */
  version: string;
  /** Names of the video encoders it has (libx264, mpeg4, gif, png, ...). */
  encoders: Set<string>;
  /** The option that sets frame-rate passthrough: -fps_mode (ffmpeg 5.1+) or the older -vsync. */
  syncOption: '-fps_mode' | '-vsync';
}

const capabilityCache = new Map<string, Promise<FfmpegCapabilities>>();

function run(file: string, args: string[]): Promise<string> {
  return new Promise((resolve, reject) => {
    execFile(file, args, { maxBuffer: 16 * 1024 * 1024, windowsHide: true }, (error, stdout) => {
      if (error) reject(error);
      else resolve(stdout);
    });
  });
}

/** Version and encoder list of an ffmpeg binary (cached per path). */
export function ffmpegCapabilities(ffmpeg: string): Promise<FfmpegCapabilities> {
  let cached = capabilityCache.get(ffmpeg);
  if (!cached) {
    cached = (async () => {
      const [versionText, encoderText, helpText] = await Promise.all([
        run(ffmpeg, ['-hide_banner', '-version']),
        run(ffmpeg, ['-hide_banner', '-encoders']),
        run(ffmpeg, ['-hide_banner', '-h', 'long']),
      ]);
      const encoders = new Set<string>();
      for (const line of encoderText.split('\n')) {
        const match = /^\s*V[A-Z.]{5}\s+(\S+)/.exec(line);
        if (match) encoders.add(match[1]!);
      }
      const syncOption = /^-fps_mode\b/m.test(helpText) ? '-fps_mode' : '-vsync';
      return { version: versionText.split('\n')[0]!.trim(), encoders, syncOption };
    })();
    cached.catch(() => capabilityCache.delete(ffmpeg));
    capabilityCache.set(ffmpeg, cached);
  }
  return cached;
}
