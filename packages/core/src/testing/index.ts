/** @lowrank/core/testing: the conformance kit for Factorizer plugins. */
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
