/** @lowrank/core/testing: the conformance kit for Factorizer plugins, batch and streaming. */
export {
  assertConformance,
  type ConformanceCheckName,
  type ConformanceOptions,
  type ConformanceReport,
  type ConformanceResult,
  checkFactorizer,
  conformanceCheckNames,
  conformanceMatrix,
} from './conformance.js';
export {
  assertStreamingConformance,
  checkStreamingFactorizer,
  conformanceVideo,
  type StreamingCheckName,
  type StreamingConformanceOptions,
  type StreamingConformanceReport,
  streamingConformanceCheckNames,
} from './streaming-conformance.js';
