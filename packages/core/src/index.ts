export * from './errors.js';
export * from './matrix.js';
export * from './options.js';
export * from './factorizer.js';
export * from './registry.js';
export * from './metrics.js';
export * from './random.js';
export * from './bench.js';
