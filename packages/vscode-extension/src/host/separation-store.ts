import { createHash } from 'node:crypto';
import { mkdir, readdir, readFile, rename, rm, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { SeparationResultInfo } from '../shared/protocol.js';

/** One stored separation at most this big (its frames as the panel shows them); larger ones are not kept. */
export const MAX_STORED_SEPARATION_BYTES = 64 * 2 ** 20;
/** All stored separations together at most this big: the least recently written go first. */
export const MAX_STORED_TOTAL_BYTES = 256 * 2 ** 20;

/** The typed arrays of a result, in file order. */
const ARRAYS = ['original', 'background', 'foreground', 'mask'] as const;

/**
 * The last separation shown per source file, kept in the extension's storage so that a window
 * reload shows it again without computing. Stale when the source changed since (its size or
 * modification time differ). One file per source: a JSON header line, then the frames' bytes.
 */
export class SeparationStore {
  readonly #dir: string;

  constructor(storageDir: string) {
    this.#dir = join(storageDir, 'separations');
  }

  #file(source: string): string {
    return join(this.#dir, `${createHash('sha256').update(source).digest('hex').slice(0, 32)}.bin`);
  }

  /** Keeps `result` for `source` (a file path); false when it is over the size limit or cannot be written. */
  async save(source: string, result: SeparationResultInfo): Promise<boolean> {
    const arrays = [...ARRAYS.map((k) => result[k]), result.matrixPicture.pixels];
    const bytes = arrays.reduce((sum, a) => sum + a.byteLength, 0);
    if (bytes > MAX_STORED_SEPARATION_BYTES) return false;
    try {
      const { original: _o, background: _b, foreground: _f, mask: _m, matrixPicture, ...rest } = result;
      const header = JSON.stringify({
        version: 1,
        stamp: await stampOf(source),
        result: { ...rest, matrixPicture: { width: matrixPicture.width, height: matrixPicture.height } },
        lengths: arrays.map((a) => a.byteLength),
      });
      await mkdir(this.#dir, { recursive: true });
      const file = this.#file(source);
      const temp = `${file}.${process.pid}.tmp`;
      await writeFile(
        temp,
        Buffer.concat([
          Buffer.from(`${header}\n`),
          ...arrays.map((a) => Buffer.from(a.buffer, a.byteOffset, a.byteLength)),
        ]),
      );
      await rename(temp, file);
      await this.#trim();
      return true;
    } catch {
      return false; // keeping results is a convenience: the panel can always compute again
    }
  }

  /** The stored result for `source`, if there is one and the source has not changed since. */
  async load(source: string): Promise<SeparationResultInfo | undefined> {
    try {
      const data = await readFile(this.#file(source));
      const newline = data.indexOf(10);
      const header = JSON.parse(data.subarray(0, newline).toString('utf8')) as {
        version: number;
        stamp: string;
        result: Omit<SeparationResultInfo, (typeof ARRAYS)[number] | 'matrixPicture'> & {
          matrixPicture: { width: number; height: number };
        };
        lengths: number[];
      };
      if (header.version !== 1 || header.stamp !== (await stampOf(source))) return undefined;
      let at = newline + 1;
      const arrays = header.lengths.map((length) => {
        const copy = new Uint8Array(length);
        copy.set(data.subarray(at, at + length));
        at += length;
        return copy;
      });
      if (at !== data.length || arrays.length !== 5) return undefined;
      const [original, background, foreground, mask, pixels] = arrays as [
        Uint8Array,
        Uint8Array,
        Uint8Array,
        Uint8Array,
        Uint8Array,
      ];
      return {
        ...header.result,
        original,
        background,
        foreground,
        mask,
        matrixPicture: { ...header.result.matrixPicture, pixels },
      };
    } catch {
      return undefined;
    }
  }

  async forget(source: string): Promise<void> {
    await rm(this.#file(source), { force: true });
  }

  /** Drops the oldest files until all fit MAX_STORED_TOTAL_BYTES. */
  async #trim(): Promise<void> {
    const files = await Promise.all(
      (await readdir(this.#dir))
        .filter((f) => f.endsWith('.bin'))
        .map(async (f) => {
          const s = await stat(join(this.#dir, f));
          return { file: join(this.#dir, f), size: s.size, time: s.mtimeMs };
        }),
    );
    files.sort((a, b) => b.time - a.time);
    let total = 0;
    for (const f of files) {
      total += f.size;
      if (total > MAX_STORED_TOTAL_BYTES) await rm(f.file, { force: true });
    }
  }
}

/** What identifies the source's content cheaply: its size and modification time (a folder: its entries'). */
async function stampOf(source: string): Promise<string> {
  const s = await stat(source);
  if (!s.isDirectory()) return `${s.size}:${s.mtimeMs}`;
  const entries = (await readdir(source)).sort();
  const stamps = await Promise.all(entries.map(async (e) => `${e}:${(await stat(join(source, e))).mtimeMs}`));
  return createHash('sha256').update(stamps.join('\n')).digest('hex');
}
