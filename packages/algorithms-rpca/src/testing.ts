// `@lowrank/algorithms-rpca/testing`: deterministic inputs for tests of robust PCA, yours or ours.
export {
  type PlantedLowRankPlusSparse,
  plantedLowRankPlusSparse,
  trajectoryFixtureMatrix,
} from './test-matrices.js';
