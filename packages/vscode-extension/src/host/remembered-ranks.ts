import { mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

const MAX_ENTRIES = 200;

/**
 * The last rank shown per file, kept by the extension host. VS Code persists webview state (what a
 * panel serializer receives) lazily, so a window reload right after the slider moved can restore an
 * older rank; this small file is written as soon as the slider settles, and wins on restore.
 */
export class RememberedRanks {
  readonly #dir: string;
  readonly #file: string;

  constructor(storageDir: string) {
    this.#dir = storageDir;
    this.#file = join(storageDir, 'remembered-ranks.json');
  }

  #read(): Record<string, number> {
    try {
      const parsed: unknown = JSON.parse(readFileSync(this.#file, 'utf8'));
      return typeof parsed === 'object' && parsed !== null ? (parsed as Record<string, number>) : {};
    } catch {
      return {}; // missing or unreadable: nothing remembered yet
    }
  }

  get(source: string): number | undefined {
    const rank = this.#read()[source];
    return Number.isInteger(rank) && rank! >= 1 ? rank : undefined;
  }

  set(source: string, rank: number): void {
    if (!Number.isInteger(rank) || rank < 1) return;
    const ranks = this.#read();
    delete ranks[source]; // re-insert last, so the oldest entries are the ones dropped
    ranks[source] = rank;
    const keys = Object.keys(ranks);
    for (const key of keys.slice(0, Math.max(0, keys.length - MAX_ENTRIES))) delete ranks[key];
    try {
      mkdirSync(this.#dir, { recursive: true });
      const temp = `${this.#file}.${process.pid}.tmp`;
      writeFileSync(temp, JSON.stringify(ranks));
      renameSync(temp, this.#file);
    } catch {
      // Remembering is a convenience: the webview state still restores, possibly a step behind.
    }
  }
}
