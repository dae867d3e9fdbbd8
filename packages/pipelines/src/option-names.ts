import { type AnyFactorizer, InvalidOptionError } from '@lowrank/core';

/**
 * Runs `body` so that an InvalidOptionError about one of `method`'s options names the option the
 * way the caller's user knows it (`--max-iterations` on the command line, `maxIterations` in code).
 */
export async function withMethodOptionNames<T>(
  method: AnyFactorizer,
  nameOf: ((key: string) => string) | undefined,
  body: () => Promise<T> | T,
): Promise<T> {
  try {
    return await body();
  } catch (error) {
    if (nameOf && error instanceof InvalidOptionError && Object.hasOwn(method.options, error.option)) {
      const prefix = `Invalid option "${error.option}": `;
      const rest = error.message.startsWith(prefix) ? error.message.slice(prefix.length) : error.message;
      throw new InvalidOptionError(nameOf(error.option), rest, { cause: error });
    }
    throw error;
  }
}
