/**
 * Chooses between the baseline simd128 build of a kernel module and its relaxed-SIMD build (fused
 * multiply-add in the micro-kernels: about 1.5x the GEMM throughput on x86-64 with FMA3).
 *
 * Relaxed SIMD is standard WebAssembly, on by default in Chromium 114+ (VS Code webviews) and
 * Node 22+. Node 20's V8 has it behind --experimental-wasm-relaxed-simd; there we turn that flag on
 * at run time (it only enables the instruction set, process-wide, before any relaxed module is
 * compiled). LOWRANK_RELAXED_SIMD=0 in the environment keeps the baseline build everywhere.
 * The fused and unfused builds round differently (at the last bit of each multiply-add).
 */
import { GEMM_RELAXED_WASM_BASE64 } from './generated/gemm-wasm-binary.js';

interface WasmValidator {
  validate(bytes: Uint8Array): boolean;
}

interface NodeProcessLike {
  env?: Record<string, string | undefined>;
  getBuiltinModule?: (name: string) => unknown;
}

let relaxedAllowed: boolean | undefined;

function nodeProcess(): NodeProcessLike | undefined {
  return (globalThis as { process?: NodeProcessLike }).process;
}

export function decodeBase64(text: string): Uint8Array {
  const binary = atob(text);
  const bytes = new Uint8Array(binary.length);
  for (let i = 0; i < binary.length; i++) bytes[i] = binary.charCodeAt(i);
  return bytes;
}

/**
 * True when relaxed-SIMD modules validate here (after enabling the Node 20 flag if needed), decided
 * once on the relaxed build of the single-thread kernels.
 */
function relaxedSimdUsable(): boolean {
  if (relaxedAllowed !== undefined) return relaxedAllowed;
  const api = (globalThis as { WebAssembly?: WasmValidator }).WebAssembly;
  const proc = nodeProcess();
  if (api === undefined || proc?.env?.LOWRANK_RELAXED_SIMD === '0') {
    relaxedAllowed = false;
    return relaxedAllowed;
  }
  const sample = decodeBase64(GEMM_RELAXED_WASM_BASE64);
  try {
    if (api.validate(sample)) {
      relaxedAllowed = true;
      return relaxedAllowed;
    }
    const v8 = proc?.getBuiltinModule?.('node:v8') as
      | { setFlagsFromString?: (flags: string) => void }
      | undefined;
    v8?.setFlagsFromString?.('--experimental-wasm-relaxed-simd');
    relaxedAllowed = api.validate(sample);
  } catch {
    relaxedAllowed = false;
  }
  return relaxedAllowed;
}

/** The relaxed build (base64) decoded when this runtime runs it, else the baseline one. */
export function pickKernelBinary(baselineBase64: string, relaxedBase64: string): Uint8Array {
  return decodeBase64(relaxedSimdUsable() ? relaxedBase64 : baselineBase64);
}

/** 'relaxed-simd' when the fused multiply-add builds are in use, else 'simd128' (for diagnostics). */
export function kernelInstructionSet(): 'relaxed-simd' | 'simd128' {
  return relaxedSimdUsable() ? 'relaxed-simd' : 'simd128';
}
