import type { TextStreamPart, ToolSet } from 'ai';
import { toGatewayError } from '@/lib/errors';

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
 * Reads until the answer begins. A failure before that throws, so the caller can still answer
 * with a proper HTTP error (or try another target); after it, the stream is handed on whole,
 * with the parts already read put back in front.
 */
export async function waitForFirstToken(
  stream: ReadableStream<Part>,
): Promise<ReadableStream<Part>> {
  const reader = stream.getReader();
  const buffered: Part[] = [];
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    if (value.type === 'error') {
      await reader.cancel().catch(() => {});
      throw toGatewayError(value.error);
    }
    buffered.push(value);
    if (answerParts.has(value.type)) break;
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
