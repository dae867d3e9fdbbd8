/**
 * The thread behind MaskThread: one StreamingForegroundMasks for the whole stream, deciding each
 * frame's mask from the deviation and noise levels the separation's thread left in a shared slot,
 * in order, and counting the mask's pixels.
 */
import { parentPort, workerData } from 'node:worker_threads';
import { StreamingForegroundMasks } from '@lowrank/algorithms-rpca';
import {
  countSet,
  type MaskThreadReply,
  type MaskThreadRequest,
  type MaskThreadSetup,
  maskSlotViews,
} from './streaming-mask-thread.js';

const setup = workerData as MaskThreadSetup;
const masks = new StreamingForegroundMasks(setup.frame);
const slots = setup.slots.map(maskSlotViews);
const port = parentPort!;

port.on('message', ({ slot, withNoise }: MaskThreadRequest) => {
  const { deviation, noise, mask } = slots[slot]!;
  let reply: MaskThreadReply;
  try {
    masks.decide(deviation, withNoise ? noise : undefined, mask);
    reply = { slot, count: countSet(mask) };
  } catch (error) {
    reply = { slot, count: 0, error: error instanceof Error ? error.message : String(error) };
  }
  port.postMessage(reply);
});
