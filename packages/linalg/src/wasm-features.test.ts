import { describe, expect, it } from 'vitest';
import type { BlockKernel, WasmApi, WasmMemory } from './gemm-wasm.js';
import { GEMM_RELAXED_WASM_BASE64, GEMM_WASM_BASE64 } from './generated/gemm-wasm-binary.js';
import { decodeBase64, kernelInstructionSet, pickKernelBinary } from './wasm-features.js';

function instantiate(base64: string): { memory: WasmMemory; dgemmBlock: BlockKernel } {
  const api = (globalThis as unknown as { WebAssembly: WasmApi }).WebAssembly;
  const module = new api.Module(decodeBase64(base64));
  return new api.Instance(module, {}).exports as unknown as { memory: WasmMemory; dgemmBlock: BlockKernel };
}

/** One packed 8 x 8 x 37 block product on a kernel build, read back as an 8 x 8 row-major C. */
function blockProduct(base64: string, a: Float64Array, b: Float64Array): Float64Array {
  const k = instantiate(base64);
  if (k.memory.buffer.byteLength < 1 << 20) k.memory.grow(16);
  const heap = new Float64Array(k.memory.buffer);
  const ap = 65536;
  const bp = ap + a.length * 8;
  const cp = bp + b.length * 8;
  heap.set(a, ap / 8);
  heap.set(b, bp / 8);
  heap.fill(0, cp / 8, cp / 8 + 64);
  k.dgemmBlock(8, 8, 37, ap, bp, cp, 8, 0, 0, 0);
  return heap.slice(cp / 8, cp / 8 + 64);
}

describe('kernel builds', () => {
  it('the relaxed-SIMD (fused multiply-add) build computes the same block product as the baseline', () => {
    if (kernelInstructionSet() !== 'relaxed-simd') {
      // Not a skip: where relaxed SIMD cannot run, the baseline must be what is picked.
      expect(pickKernelBinary(GEMM_WASM_BASE64, GEMM_RELAXED_WASM_BASE64)).toEqual(
        decodeBase64(GEMM_WASM_BASE64),
      );
      return;
    }
    const kc = 37;
    // Packed panels: A as two 4-row panels (element (r, p) at panel + p * 4 + r), B as two 4-column panels.
    const a = Float64Array.from({ length: 8 * kc }, (_, i) => Math.sin(i * 1.7) * 3);
    const b = Float64Array.from({ length: 8 * kc }, (_, i) => Math.cos(i * 0.3) - 0.5);
    const fused = blockProduct(GEMM_RELAXED_WASM_BASE64, a, b);
    const plain = blockProduct(GEMM_WASM_BASE64, a, b);
    let differ = 0;
    for (let i = 0; i < 64; i++) {
      // Each entry sums 37 products of magnitude <= 4.5: rounding differs by at most a few ulps of that.
      expect(Math.abs(fused[i]! - plain[i]!)).toBeLessThan(37 * 4.5 * 2 ** -50);
      if (fused[i] !== plain[i]) differ++;
    }
    // The fused build really is different code (FMA rounds once): some entries differ in the last bits.
    expect(differ).toBeGreaterThan(0);
    expect(kernelInstructionSet()).toBe('relaxed-simd');
  });
});
