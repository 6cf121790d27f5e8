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

export interface FirstTokenOptions {
  /** Give up on the target when no answer part arrives within this. */
  timeoutMs: number;
  /** Called on timeout, to close the upstream request. */
  onTimeout: () => void;
}

/**
 * Reads until the answer begins. A failure before that throws (a timeout as a retryable 504),
 * so the caller can still try another target or answer with a proper HTTP error; after it, the
 * stream is handed on whole, with the parts already read put back in front.
 */
export async function waitForFirstToken(
  stream: ReadableStream<Part>,
  { timeoutMs, onTimeout }: FirstTokenOptions,
): Promise<ReadableStream<Part>> {
  const reader = stream.getReader();
  const buffered: Part[] = [];
  let timer: ReturnType<typeof setTimeout> | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => {
      onTimeout();
      reject(
        new GatewayError('upstream_timeout', `No first token within ${timeoutMs} ms.`, {
          retryable: true,
        }),
      );
    }, timeoutMs);
  });
  try {
    for (;;) {
      const { done, value } = await Promise.race([reader.read(), timeout]);
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
    clearTimeout(timer);
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
