/** @lowrank/core/testing: the conformance kit for Factorizer plugins. */
export {
  assertConformance,
  checkFactorizer,
  conformanceCheckNames,
  conformanceMatrix,
  type ConformanceCheckName,
  type ConformanceOptions,
  type ConformanceReport,
  type ConformanceResult,
} from './conformance.js';
