/**
 * Every temporary file and partial folder the atomic writers have open right now. A process that
 * must stop at once (the CLI's supervisor on Ctrl-C, when its worker is busy inside a long product)
 * removes these itself, so nothing half-written is left behind even when the writer never resumes.
 */
const live = new Set<string>();
type Listener = (event: 'created' | 'released', path: string) => void;
const listeners = new Set<Listener>();

export function trackTemporaryPath(path: string): void {
  live.add(path);
  for (const listener of listeners) listener('created', path);
}

export function releaseTemporaryPath(path: string): void {
  if (!live.delete(path)) return;
  for (const listener of listeners) listener('released', path);
}

/** The temporary files and partial folders open now. */
export function liveTemporaryPaths(): string[] {
  return [...live];
}

/** Calls `listener` as temporaries are created and released; returns the unsubscribe function. */
export function watchTemporaryPaths(listener: Listener): () => void {
  listeners.add(listener);
  return () => listeners.delete(listener);
}
