// Bounded reads of response bodies: a manifest, config, token or error body larger than its cap is
// refused from its Content-Length before a byte is read, or as soon as the count passes the cap.
import type { Readable } from 'node:stream';

export const LIMITS = {
  manifest: 4 * 1024 * 1024,
  config: 8 * 1024 * 1024,
  token: 1024 * 1024,
  error: 64 * 1024,
} as const;

export class TooLargeError extends Error {
  constructor(readonly limit: number, readonly announced?: number) {
    super(announced !== undefined ? `announced ${announced} bytes, more than the ${limit} allowed` : `more than the ${limit} bytes allowed`);
    this.name = 'TooLargeError';
  }
}

/** Reads at most `limit` bytes; the stream is destroyed (never drained) when it has more. */
export async function readCapped(body: Readable, limit: number, contentLength?: string | string[]): Promise<Buffer> {
  const announced = typeof contentLength === 'string' && /^\d+$/.test(contentLength) ? Number(contentLength) : undefined;
  if (announced !== undefined && announced > limit) {
    discard(body);
    throw new TooLargeError(limit, announced);
  }
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of body) {
    size += (chunk as Buffer).length;
    if (size > limit) {
      discard(body);
      throw new TooLargeError(limit);
    }
    chunks.push(chunk as Buffer);
  }
  return Buffer.concat(chunks, size);
}

/** Discards a body we do not need, without reading an unbounded amount. */
export function discard(body: Readable | undefined): void {
  if (!body) return;
  // undici reports a destroyed body as an AbortError event: expected here, so swallowed.
  body.on('error', () => undefined);
  body.destroy();
}
