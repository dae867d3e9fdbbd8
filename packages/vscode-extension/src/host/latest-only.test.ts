import { describe, expect, it } from 'vitest';
import { LatestOnly } from './latest-only.js';

describe('LatestOnly', () => {
  it('runs the first value, then only the latest of those asked meanwhile', async () => {
    const ran: number[] = [];
    const gates: Array<() => void> = [];
    const runner = new LatestOnly<number>(
      (value) =>
        new Promise<void>((resolve) => {
          ran.push(value);
          gates.push(resolve);
        }),
      () => undefined,
    );
    runner.ask(1);
    runner.ask(2);
    runner.ask(3);
    runner.ask(4);
    expect(ran).toEqual([1]);
    gates.shift()!();
    await new Promise((r) => setTimeout(r, 0));
    expect(ran).toEqual([1, 4]);
    gates.shift()!();
    await new Promise((r) => setTimeout(r, 0));
    expect(ran).toEqual([1, 4]);
  });

  it('reports errors and keeps going', async () => {
    const errors: unknown[] = [];
    const ran: number[] = [];
    const runner = new LatestOnly<number>(
      async (value) => {
        ran.push(value);
        if (value === 1) throw new Error('boom');
      },
      (error) => errors.push(error),
    );
    runner.ask(1);
    await new Promise((r) => setTimeout(r, 0));
    runner.ask(2);
    await new Promise((r) => setTimeout(r, 0));
    expect(ran).toEqual([1, 2]);
    expect(errors).toHaveLength(1);
  });
});
