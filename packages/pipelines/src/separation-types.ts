import type { AnyFactorizer, FactorizerRegistry } from '@lowrank/core';
import type { FittingSize } from './memory-budget.js';

export type SeparationOptionName = 'method' | 'rank' | 'scale' | 'start' | 'count' | 'out' | 'memoryBudget';

export interface SeparateVideoOptions {
  /** A method name (looked up in `methods`) or a factorizer; default 'rpca'. */
  readonly method?: string | AnyFactorizer;
  /** Where method names resolve (built-ins plus plugins); default the built-ins. */
  readonly methods?: FactorizerRegistry;
  /** Background rank, for methods with a rank option. */
  readonly rank?: number;
  /** The method's other options, validated against its spec. */
  readonly methodOptions?: Record<string, unknown>;
  /** Resize frames by this factor before separating (0.5 = half size). */
  readonly scale?: number;
  /** 0-based index of the first frame. */
  readonly start?: number;
  /** Number of frames to use (default all). */
  readonly count?: number;
  /** Separate in colour: read RGB, and a method with a colorMode option works on all three channels. */
  readonly color?: boolean;
  /** Compute foreground masks from |S|. */
  readonly masks?: boolean;
  /** Write the outputs into this new folder (atomically), checked before any decoding. */
  readonly out?: string;
  /** Replace an existing `out` folder. */
  readonly overwrite?: boolean;
  /** Bytes the job may plan to use; default 3/4 of the memory available now. */
  readonly memoryBudgetBytes?: number;
  readonly ffmpegPath?: string;
  /** Names options in messages the way the caller's user knows them (CLI flags, settings). */
  readonly optionNames?: Partial<Record<SeparationOptionName, string>>;
  /** Names the method's own options in messages (default: their keys). */
  readonly methodOptionName?: (key: string) => string;
  /** Words a memory refusal's advice for the caller's user (default: option names with values). */
  readonly advice?: (fits: FittingSize, budget: number) => string;
  /** Keep 8-bit display frames (original, background, foreground, mask) for a viewer. */
  readonly keepDisplay?: boolean;
  /**
   * Streaming methods: an abort ends the run early and keeps the frames done (a viewer's "stop and
   * keep"), instead of removing everything. Batch methods ignore it.
   */
  readonly keepPartial?: boolean;
}

/** 8-bit frames for a viewer: frames x height x width x channels each; masks one value per pixel. */
export interface SeparationDisplay {
  readonly original: Uint8Array;
  readonly background: Uint8Array;
  readonly foreground: Uint8Array;
  readonly mask: Uint8Array | undefined;
  readonly matrixPicture: { readonly width: number; readonly height: number; readonly pixels: Uint8Array };
}

/** What both front ends report for a separation. */
export interface SeparationSummary {
  input: string;
  frames: number;
  width: number;
  height: number;
  /** Values per pixel of the background and foreground (1 gray, 3 colour). */
  channels: number;
  fps: number | null;
  method: string;
  rank: number;
  iterations: number;
  converged: boolean;
  residual: number;
  /** Share of mask pixels that are foreground (with masks). */
  foregroundFraction?: number;
  decodeSeconds: number;
  factorizeSeconds: number;
  /** Per-iteration residuals, when the method reports them. */
  history?: number[];
  /** For a streaming method: its speed, the state it held, and whether it was stopped early. */
  streaming?: { framesPerSecond: number; stateBytes: number; stoppedEarly: boolean };
}

export interface WriteSeparationOptions {
  readonly overwrite?: boolean;
  readonly signal?: AbortSignal;
  readonly onProgress?: (progress: { fraction: number; message: string }) => void;
}
