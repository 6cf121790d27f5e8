import { describe, expect, it } from 'vitest';
import { captureResponse, replayResponse } from '@/lib/cache/replay';

const encoder = new TextEncoder();

function streamed(chunks: string[], { fail = false } = {}): Response {
  let next = 0;
  const body = new ReadableStream<Uint8Array>({
    pull(controller) {
      const chunk = chunks[next++];
      if (chunk !== undefined) controller.enqueue(encoder.encode(chunk));
      else if (fail) controller.error(new Error('cut'));
      else controller.close();
    },
  });
  return new Response(body, {
    headers: {
      'content-type': 'text/event-stream',
      'x-tollgate-model': 'test/model',
      'x-request-id': 'per-request',
    },
  });
}

async function readChunks(response: Response): Promise<string[]> {
  const decoder = new TextDecoder();
  const chunks: string[] = [];
  const reader = (response.body as ReadableStream<Uint8Array>).getReader();
  for (;;) {
    const { done, value } = await reader.read();
    if (done) return chunks;
    chunks.push(decoder.decode(value));
  }
}

describe('captureResponse and replayResponse', () => {
  it('passes the body on unchanged and replays it with the same chunks and answer headers', async () => {
    const chunks = ['data: {"a":1}\n\n', 'data: {"b":"é"}\n\n', 'data: [DONE]\n\n'];
    const { response, captured } = captureResponse(streamed(chunks), 1024);
    expect(await readChunks(response)).toEqual(chunks);
    const copy = await captured;
    expect(copy).toBeDefined();
    const replayed = replayResponse({
      v: 1,
      storedAt: 0,
      model: 'test/model',
      provider: 'p',
      savedMicroUsd: 0,
      ...(copy as NonNullable<typeof copy>),
    });
    expect(replayed.status).toBe(200);
    expect(replayed.headers.get('content-type')).toBe('text/event-stream');
    expect(replayed.headers.get('x-tollgate-model')).toBe('test/model');
    expect(replayed.headers.get('x-request-id')).toBeNull();
    expect(await readChunks(replayed)).toEqual(chunks);
  });

  it('keeps no copy of a body the client left before its end', async () => {
    const { response, captured } = captureResponse(streamed(['a', 'b', 'c']), 1024);
    const reader = (response.body as ReadableStream<Uint8Array>).getReader();
    await reader.read();
    await reader.cancel();
    expect(await captured).toBeUndefined();
  });

  it('keeps no copy of a body that failed', async () => {
    const { response, captured } = captureResponse(streamed(['a'], { fail: true }), 1024);
    await expect(readChunks(response)).rejects.toThrow('cut');
    expect(await captured).toBeUndefined();
  });

  it('keeps no copy of a body over the size cap, and still passes all of it on', async () => {
    const { response, captured } = captureResponse(streamed(['12345', '67890']), 8);
    expect(await readChunks(response)).toEqual(['12345', '67890']);
    expect(await captured).toBeUndefined();
  });
});
