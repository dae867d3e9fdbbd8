/**
 * @lowrank/pipelines: the jobs behind the `lowrank` command and the VS Code panels, written once.
 * Each checks its inputs, outputs and memory budget before the work, reports stages and progress,
 * stops on an AbortSignal and leaves nothing half-written.
 */
export { type BackgroundPlate, type BackgroundPlateOptions, backgroundPlate } from './background-plate.js';
export type { CodecPoint } from './codec-comparison.js';
export {
  AUTOMATIC_METHOD,
  type CompressImageOptions,
  type CompressionSummary,
  compressImageFile,
  DEFAULT_RANK_CAP,
  EXACT_SVD_MAX_PIXELS,
  estimateCompressionBytes,
  ImageCompression,
  type JobControl,
  type LiveFrame,
  type PartialSvdInfo,
  PREVIEW_RANK,
  type SweepRow,
} from './image-compression.js';
export type { ImageQuality } from './image-quality.js';
export {
  DEFAULT_BUDGET_SHARE,
  defaultMemoryBudgetBytes,
  type FittingSize,
  MemoryBudgetError,
  type MemoryEstimate,
  RUNTIME_BASELINE_BYTES,
  totalBytes,
  UNSTATED_WORKING_COPIES,
} from './memory-budget.js';
export { builtInFactorizers, defaultMethods, type LoadMethodsOptions, loadMethods } from './methods.js';
export { DEFAULT_COMPRESSION_RANK, describeRankRule, type RankRule } from './rank-rules.js';
export { FOREGROUND_WHITE_QUANTILE } from './separation-pictures.js';
export type {
  SeparateVideoOptions,
  SeparationDisplay,
  SeparationOptionName,
  SeparationSummary,
  WriteSeparationOptions,
} from './separation-types.js';
export { SEPARATION_FILES } from './separation-writer.js';
export { type BandSource, streamingImageQuality } from './streaming-quality.js';
export { estimateStreamingBytes, StreamedSeparation } from './streaming-separation.js';
export {
  estimateSeparationBytes,
  LOW_RANK_BACKGROUND_RANK,
  separateVideo,
  VideoSeparation,
} from './video-separation.js';
