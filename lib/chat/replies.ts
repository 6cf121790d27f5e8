import {
  createUIMessageStreamResponse,
  type TextStreamPart,
  type ToolSet,
  toUIMessageStream,
  type UIMessage,
} from 'ai';
import { toGatewayError } from '@/lib/errors';
import { eventStreamHeaders } from '@/lib/http/headers';
import { costInMicroUsd, microUsdToUsd } from '@/lib/usage/cost';
import type { ChatRun } from './pipeline';
import type { ChatOutcome, Usage } from './types';
import { toUsage } from './usage';

/** What travels to `useChat` with each answer, in its `finish` part. */
export interface ChatMessageMetadata {
  model: string;
  provider: string;
  usage: Pick<Usage, 'inputTokens' | 'outputTokens' | 'totalTokens'>;
  /** Null when the serving model has no price. */
  costUsd: number | null;
  timeToFirstTokenMs?: number;
}

export type ChatUIMessage = UIMessage<ChatMessageMetadata>;

export function servedByHeaders(run: Pick<ChatRun, 'model' | 'provider'>): Record<string, string> {
  return { 'x-tollgate-model': run.model, 'x-tollgate-provider': run.provider };
}

/** An event-stream reply, with the headers naming the model that served. */
export function eventStreamReply(run: ChatRun, body: ReadableStream<Uint8Array>): Response {
  return new Response(body, { headers: { ...eventStreamHeaders, ...servedByHeaders(run) } });
}

/**
 * `stream: false`: reads the run to its end, handing each part to `onPart`, and returns its
 * outcome; an answer that did not finish throws its error instead.
 */
export async function drainRun(
  run: ChatRun,
  onPart: (part: TextStreamPart<ToolSet>) => unknown = () => {},
): Promise<ChatOutcome> {
  const reader = run.stream.getReader();
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    await onPart(value);
  }
  const outcome = await run.outcome;
  if (outcome.ending !== 'finished') throw toGatewayError(outcome.error);
  return outcome;
}

function costUsd(run: ChatRun, usage: Usage): number | null {
  return run.pricing ? microUsdToUsd(costInMicroUsd(run.pricing, usage)) : null;
}

/** The AI SDK UI message stream, what `useChat` reads, with usage and cost in the metadata. */
export function toUIMessageStreamReply(run: ChatRun, headers?: HeadersInit): Response {
  const responseHeaders = new Headers(headers);
  for (const [name, value] of Object.entries(servedByHeaders(run)))
    responseHeaders.set(name, value);
  // `no-transform` keeps `next start` (and any proxy) from compressing the stream: gzip costs CPU
  // on every event and lets a compressor hold events back instead of relaying each as it comes.
  responseHeaders.set('cache-control', 'no-cache, no-transform');
  return createUIMessageStreamResponse({
    headers: responseHeaders,
    stream: toUIMessageStream<ToolSet, ChatUIMessage>({
      stream: run.stream,
      onError: (error) => toGatewayError(error).message,
      messageMetadata: ({ part }): ChatMessageMetadata | undefined => {
        if (part.type !== 'finish') return undefined;
        const usage = toUsage(part.totalUsage);
        return {
          model: run.model,
          provider: run.provider,
          usage: {
            inputTokens: usage.inputTokens,
            outputTokens: usage.outputTokens,
            totalTokens: usage.totalTokens,
          },
          costUsd: costUsd(run, usage),
          timeToFirstTokenMs: run.timeToFirstTokenMs(),
        };
      },
    }),
  });
}

/** `stream: false`: the whole answer as one JSON object, or the error that ended it. */
export async function toJsonReply(run: ChatRun, headers?: HeadersInit): Promise<Response> {
  // Drained for the meter, which assembles the text and usage.
  const outcome = await drainRun(run);
  const responseHeaders = new Headers(headers);
  for (const [name, value] of Object.entries(servedByHeaders(run)))
    responseHeaders.set(name, value);
  return Response.json(
    {
      id: run.id,
      model: run.model,
      provider: run.provider,
      text: outcome.text,
      finishReason: outcome.finishReason,
      usage: {
        inputTokens: outcome.usage.inputTokens,
        outputTokens: outcome.usage.outputTokens,
        totalTokens: outcome.usage.totalTokens,
      },
      costUsd: costUsd(run, outcome.usage),
    },
    { headers: responseHeaders },
  );
}
