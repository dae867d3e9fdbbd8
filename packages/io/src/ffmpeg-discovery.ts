import { execFile } from 'node:child_process';
import { promises as fs, constants as fsConstants } from 'node:fs';
import path from 'node:path';
import { DependencyMissingError } from '@lowrank/core';
import { packageRequire } from './package-require.js';

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
    const load = packageRequire();
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

function run(file: string, args: string[]): Promise<string> {
  return new Promise((resolve, reject) => {
    execFile(file, args, { maxBuffer: 16 * 1024 * 1024, windowsHide: true }, (error, stdout) => {
      if (error) reject(error);
      else resolve(stdout);
    });
  });
}

/**
 * One query of an ffmpeg binary, run once per path and kept (dropped if it fails, so a later call
 * tries again). Each query is its own ffmpeg run and runs only when asked for: ffmpeg takes a
 * quarter of a second to start here, and most runs need none of them (decoding a whole video
 * needs no sync option, writing PNGs no encoder list).
 */
function cachedQuery<T>(cache: Map<string, Promise<T>>, ffmpeg: string, query: () => Promise<T>): Promise<T> {
  let cached = cache.get(ffmpeg);
  if (!cached) {
    cached = query();
    cached.catch(() => cache.delete(ffmpeg));
    cache.set(ffmpeg, cached);
  }
  return cached;
}

const versionCache = new Map<string, Promise<string>>();
const encoderCache = new Map<string, Promise<Set<string>>>();
const syncOptionCache = new Map<string, Promise<FfmpegCapabilities['syncOption']>>();

/** First line of `ffmpeg -version` (cached per path). */
export function ffmpegVersion(ffmpeg: string): Promise<string> {
  return cachedQuery(versionCache, ffmpeg, async () =>
    (await run(ffmpeg, ['-hide_banner', '-version'])).split('\n')[0]!.trim(),
  );
}

/** Names of the video encoders an ffmpeg binary has (cached per path). */
export function ffmpegEncoders(ffmpeg: string): Promise<Set<string>> {
  return cachedQuery(encoderCache, ffmpeg, async () => {
    const encoders = new Set<string>();
    for (const line of (await run(ffmpeg, ['-hide_banner', '-encoders'])).split('\n')) {
      const match = /^\s*V[A-Z.]{5}\s+(\S+)/.exec(line);
      if (match) encoders.add(match[1]!);
    }
    return encoders;
  });
}

/** How an ffmpeg binary spells frame-rate passthrough: -fps_mode (5.1+) or -vsync (cached per path). */
export function ffmpegSyncOption(ffmpeg: string): Promise<FfmpegCapabilities['syncOption']> {
  return cachedQuery(syncOptionCache, ffmpeg, async () =>
    /^-fps_mode\b/m.test(await run(ffmpeg, ['-hide_banner', '-h', 'long'])) ? '-fps_mode' : '-vsync',
  );
}

/** Version, encoder list and sync option of an ffmpeg binary (each cached per path). */
export async function ffmpegCapabilities(ffmpeg: string): Promise<FfmpegCapabilities> {
  const [version, encoders, syncOption] = await Promise.all([
    ffmpegVersion(ffmpeg),
    ffmpegEncoders(ffmpeg),
    ffmpegSyncOption(ffmpeg),
  ]);
  return { version, encoders, syncOption };
}
