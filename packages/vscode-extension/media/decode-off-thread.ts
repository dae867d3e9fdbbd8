/**
 * createImageBitmap in a worker. Chromium decodes a Blob off the calling thread but then resizes and
 * converts the picture on it: hundreds of milliseconds of a 12-megapixel photo on the panel's main
 * thread. In a worker that work blocks nothing; the bitmap comes back transferred, not copied.
 * Where no worker can start (an older CSP, a test page), it runs on the calling thread as before.
 */

// The worker is this one function, so its source is a string: webviews start workers from blob: URLs only.
const WORKER_SOURCE = `self.onmessage = async (event) => {
  const { id, blob, options } = event.data;
  try {
    const bitmap = await createImageBitmap(blob, options);
    self.postMessage({ id, bitmap }, [bitmap]);
  } catch (error) {
    self.postMessage({ id, error: String(error && error.message ? error.message : error) });
  }
};`;

interface Reply {
  readonly id: number;
  readonly bitmap?: ImageBitmap;
  readonly error?: string;
}

let worker: Worker | null | undefined;
let nextId = 0;
const pending = new Map<number, { resolve: (b: ImageBitmap) => void; reject: (e: Error) => void }>();

function decoder(): Worker | null {
  if (worker !== undefined) return worker;
  try {
    const url = URL.createObjectURL(new Blob([WORKER_SOURCE], { type: 'text/javascript' }));
    worker = new Worker(url);
    worker.onmessage = (event: MessageEvent<Reply>) => {
      const { id, bitmap, error } = event.data;
      const waiter = pending.get(id);
      pending.delete(id);
      // Shown on the page, so that a test can tell the worker from the fallback.
      if (bitmap) document.documentElement.dataset.decodedOffThread = 'true';
      if (bitmap) waiter?.resolve(bitmap);
      else waiter?.reject(new Error(error ?? 'The picture could not be decoded.'));
    };
    worker.onerror = () => {
      // A worker that cannot run (CSP): everything waiting, and everything after, decodes here.
      worker?.terminate();
      worker = null;
      for (const [, waiter] of pending) waiter.reject(new Error('worker failed'));
      pending.clear();
    };
  } catch {
    worker = null;
  }
  return worker;
}

export async function decodeImage(blob: Blob, options?: ImageBitmapOptions): Promise<ImageBitmap> {
  const w = decoder();
  if (!w) return createImageBitmap(blob, options);
  const id = nextId++;
  try {
    return await new Promise<ImageBitmap>((resolve, reject) => {
      pending.set(id, { resolve, reject });
      w.postMessage({ id, blob, options });
    });
  } catch (error) {
    if (worker === null) return createImageBitmap(blob, options);
    throw error;
  }
}
