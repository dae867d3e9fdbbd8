export * from './bench.js';
export * from './errors.js';
export * from './factorizer.js';
export * from './matrix.js';
export * from './metrics.js';
export * from './options.js';
export * from './random.js';
export * from './registry.js';
