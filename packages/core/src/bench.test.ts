import { describe, expect, it } from 'vitest';
import { median, timeMedian } from './bench.js';

describe('bench timing helpers', () => {
  it('takes the median of odd and even counts', () => {
    expect(median([3, 1, 2])).toBe(2);
    expect(median([4, 1, 3, 2])).toBe(2.5);
    expect(median([])).toBeNaN();
  });

  it('runs untimed warm-up calls before the timed ones', async () => {
    let calls = 0;
    const timed = await timeMedian(3, () => ++calls, { warmup: 2 });
    expect(calls).toBe(5);
    expect(timed.runs).toHaveLength(3);
    expect(timed.result).toBe(5);
    const cold = await timeMedian(0, () => 'once');
    expect(cold.runs).toHaveLength(1);
  });
});
