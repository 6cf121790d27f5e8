import { fromBase64Url, toBase64Url } from '@/lib/auth/encoding';
import { settleOnce } from '@/lib/chat/settle-once';
import type { CachedResponse } from './store';

/** The response headers an entry keeps: those that describe the answer, not this request. */
const keptHeaders = [
  'content-type',
  'cache-control',
  'x-accel-buffering',
  'x-vercel-ai-ui-message-stream',
  'x-tollgate-model',
  'x-tollgate-provider',
];

/** A response as it went to the client: what an entry is made of. */
export type CapturedResponse = Pick<CachedResponse, 'status' | 'headers' | 'chunks'>;

/**
 * Passes a response's body on unchanged while keeping a copy of its chunks. `captured` resolves
 * once the client has read the body to its end, or with undefined when it went away, the body
 * failed, or it grew past `maxBytes` (then no copy is kept past that point).
 */
export function captureResponse(
  response: Response,
  maxBytes: number,
): { response: Response; captured: Promise<CapturedResponse | undefined> } {
  const { status } = response;
  const headers = keptHeaders.flatMap((name): Array<[string, string]> => {
    const value = response.headers.get(name);
    return value === null ? [] : [[name, value]];
  });
  const once = settleOnce<CapturedResponse | undefined>();
  if (!response.body) {
    once.settle(undefined);
    return { response, captured: once.outcome };
  }
  const reader = response.body.getReader();
  let chunks: Uint8Array[] | undefined = [];
  let size = 0;
  const body = new ReadableStream<Uint8Array>({
    async pull(controller) {
      let next: ReadableStreamReadResult<Uint8Array>;
      try {
        next = await reader.read();
      } catch (error) {
        once.settle(undefined);
        controller.error(error);
        return;
      }
      if (next.done) {
        // Encoded only now, off the streaming path: an abandoned answer costs nothing.
        once.settle(chunks && { status, headers, chunks: chunks.map(toBase64Url) });
        controller.close();
        return;
      }
      size += next.value.byteLength;
      if (size > maxBytes) chunks = undefined;
      chunks?.push(next.value);
      controller.enqueue(next.value);
    },
    cancel(reason) {
      once.settle(undefined);
      return reader.cancel(reason);
    },
  });
  return {
    response: new Response(body, {
      status,
      statusText: response.statusText,
      headers: response.headers,
    }),
    captured: once.outcome,
  };
}

/** A stored answer as a response again: its status, headers and body, chunk by chunk. */
export function replayResponse(entry: CachedResponse): Response {
  let next = 0;
  const body = new ReadableStream<Uint8Array>({
    pull(controller) {
      const chunk = entry.chunks[next++];
      if (chunk === undefined) controller.close();
      else controller.enqueue(fromBase64Url(chunk));
    },
  });
  return new Response(body, { status: entry.status, headers: entry.headers });
}
