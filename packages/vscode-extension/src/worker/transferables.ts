/**
 * The ArrayBuffers inside a result, so postMessage moves them instead of copying (the worker
 * does not need them after sending). Buffers shared by several views are listed once; views of a
 * buffer that something else still uses (the engine's cache) must be copies: the engine only
 * returns fresh arrays.
 */
export function collectTransferables(value: unknown, found: Set<ArrayBuffer> = new Set()): ArrayBuffer[] {
  if (ArrayBuffer.isView(value)) {
    if (value.buffer instanceof ArrayBuffer) found.add(value.buffer);
  } else if (Array.isArray(value)) {
    for (const item of value) collectTransferables(item, found);
  } else if (typeof value === 'object' && value !== null) {
    for (const item of Object.values(value)) collectTransferables(item, found);
  }
  return [...found];
}
