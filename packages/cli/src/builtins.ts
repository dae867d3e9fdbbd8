import { factorizers as rpcaFactorizers } from '@lowrank/algorithms-rpca';
import { factorizers as svdFactorizers } from '@lowrank/algorithms-svd';
import type { AnyFactorizer } from '@lowrank/core';

/** The factorizers that ship with the CLI, in the order `lowrank plugins` lists them. */
export function builtInFactorizers(): AnyFactorizer[] {
  return [...(svdFactorizers as readonly AnyFactorizer[]), ...(rpcaFactorizers as readonly AnyFactorizer[])];
}
