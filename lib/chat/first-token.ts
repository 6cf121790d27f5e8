import type { TextStreamPart, ToolSet } from 'ai';
import { GatewayError, toGatewayError } from '@/lib/errors';

type Part = TextStreamPart<ToolSet>;

// Parts that mean the answer has begun: from here on bytes may reach the client.
const answerParts = new Set<Part['type']>([
  'text-delta',
  'reasoning-delta',
  'tool-input-start',
  'tool-call',
  'finish',
]);

/**
 * Reads until the answer begins. A failure before that throws, so the router can still try
 * another target or answer with a proper HTTP error; `signal` (the router's timeout or the
 * client's abort) ends the wait and cancels the stream. After the first answer part the stream
 * is handed on whole, with the parts already read put back in front.
 */
export async function waitForFirstToken(
  stream: ReadableStream<Part>,
  signal: AbortSignal,
): Promise<ReadableStream<Part>> {
  const reader = stream.getReader();
  const buffered: Part[] = [];
  let onAbort = () => {};
  const abandoned = new Promise<never>((_, reject) => {
    onAbort = () => reject(signal.reason);
    if (signal.aborted) onAbort();
    else signal.addEventListener('abort', onAbort, { once: true });
  });
  abandoned.catch(() => {});
  try {
    for (;;) {
      const { done, value } = await Promise.race([reader.read(), abandoned]);
      if (done || value.type === 'abort') {
        throw new GatewayError('upstream_error', 'The provider ended the answer before it began.', {
          retryable: true,
        });
      }
      if (value.type === 'error') throw toGatewayError(value.error);
      buffered.push(value);
      if (answerParts.has(value.type)) break;
    }
  } catch (error) {
    await reader.cancel().catch(() => {});
    throw error;
  } finally {
    signal.removeEventListener('abort', onAbort);
  }
  return new ReadableStream<Part>({
    start(controller) {
      for (const part of buffered) controller.enqueue(part);
    },
    async pull(controller) {
      const { done, value } = await reader.read();
      if (done) controller.close();
      else controller.enqueue(value);
    },
    cancel(reason) {
      return reader.cancel(reason);
    },
  });
}
