/**
 * Zeroes bytes [start, end) of the shared memory. Run by every thread over its share of a fresh
 * kernel matrix, it takes the page faults of the first writes (WebAssembly memory gets 4 KiB pages,
 * never transparent huge pages: about 4 ms per MB on this project's VMs) in parallel, ahead of the
 * one thread that fills the matrix next.
 */
export function fillZero(start: usize, end: usize): void {
  if (end > start) memory.fill(start, 0, end - start);
}
