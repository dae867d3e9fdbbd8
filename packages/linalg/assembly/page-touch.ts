/**
 * Zeroes bytes [start, end) of the shared memory by units of `unitBytes`, claimed from the i32
 * counter at `counter` by whichever thread is free. Run over a fresh kernel matrix, it takes the
 * page faults of the first writes (WebAssembly memory gets 4 KiB pages, never transparent huge
 * pages: about 3 ms per MB on this project's VMs) on every thread, ahead of the one that fills
 * the matrix next; claimed units balance threads that share their cores with other work.
 */
export function fillZeroUnits(counter: usize, start: usize, end: usize, unitBytes: usize): void {
  for (;;) {
    const from = start + <usize>atomic.add<i32>(counter, 1) * unitBytes;
    if (from >= end) return;
    const to = min<usize>(end, from + unitBytes);
    memory.fill(from, 0, to - from);
  }
}
