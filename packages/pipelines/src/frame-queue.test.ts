import { describe, expect, it } from 'vitest';
import { FrameQueue } from './frame-queue.js';

describe('FrameQueue', () => {
  it('delivers every item in order and holds the producer back while full', async () => {
    const queue = new FrameQueue<number>(2);
    const seen: number[] = [];
    let maxQueued = 0;
    let pushed = 0;
    const consumer = (async () => {
      for await (const item of queue) {
        maxQueued = Math.max(maxQueued, pushed - seen.length);
        await new Promise((r) => setTimeout(r, 1));
        seen.push(item);
      }
    })();
    for (let i = 0; i < 20; i++) {
      await queue.push(i);
      pushed++;
    }
    queue.close();
    await consumer;
    expect(seen).toEqual(Array.from({ length: 20 }, (_, i) => i));
    // At most the capacity waits, plus the one the consumer holds.
    expect(maxQueued).toBeLessThanOrEqual(3);
  });

  it('rejects the producer once the consumer has failed', async () => {
    const queue = new FrameQueue<number>(1);
    await queue.push(1);
    const blocked = queue.push(2);
    queue.fail(new Error('encoder died'));
    await expect(blocked).rejects.toThrow('encoder died');
    await expect(queue.push(3)).rejects.toThrow('encoder died');
  });
});
