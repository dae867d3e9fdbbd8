/** lowrank-plugin-nmf: load with `lowrank compress IMAGE --plugin lowrank-plugin-nmf --method nmf`. */
export { type NmfFactorization, type NmfOptions, nmf, nmf as default, nmfOptionsSpec } from './nmf.js';
