import type { ChatOutcome } from '@/lib/chat/types';
import {
  GatewayError,
  isRetryableStatus,
  retryAfterSecondsOf,
  toProviderError,
} from '@/lib/errors';
import { countTokens } from '@/lib/tokens';
import { relayEventStream } from './event-stream';
import type { OwnedFields, RelayProtocol, UpstreamEndpoint } from './protocol';

/** A client request that may be relayed: its protocol and its body as the client wrote it. */
export interface RelaySource {
  protocol: RelayProtocol;
  body: Record<string, unknown>;
  /** The client's headers the protocol forwards (`forwardedHeaders`), as sent. */
  headers?: Record<string, string>;
}

/** A relayed answer: the response for the client and how the answer ended. */
export interface RelayedAnswer {
  response: Response;
  outcome: Promise<ChatOutcome>;
  timeToFirstTokenMs(): number | undefined;
}

export interface RelayAttemptOptions {
  source: RelaySource;
  endpoint: UpstreamEndpoint;
  owned: OwnedFields;
  inputTokenEstimate: number;
  /** A stream must begin (its first piece of answer) within this. */
  firstTokenTimeoutMs: number;
  /** A non-streaming answer must be complete within this (it has no first token to wait for). */
  answerTimeoutMs: number;
  /** The client's signal. */
  signal: AbortSignal | undefined;
  now?: () => number;
  fetch?: typeof fetch;
}

// An error body is read for its message only; a provider could send any amount.
const maxErrorBodyBytes = 64 * 1024;

const eventStreamHeaders = {
  'content-type': 'text/event-stream; charset=utf-8',
  // `no-transform` keeps `next start` (and proxies) from compressing, and so holding back, events.
  'cache-control': 'no-cache, no-transform',
  connection: 'keep-alive',
  'x-accel-buffering': 'no',
};

/**
 * One try of one target in the client's own protocol. Throws, before anything reached the
 * client, for every failure (retryable ones let the router try the next target); resolves once
 * the answer has begun (a stream) or is complete (a non-streaming call).
 */
export async function relayAttempt({
  source,
  endpoint,
  owned,
  inputTokenEstimate,
  firstTokenTimeoutMs,
  answerTimeoutMs,
  signal,
  now = Date.now,
  fetch: fetchUpstream = fetch,
}: RelayAttemptOptions): Promise<RelayedAnswer> {
  const { protocol } = source;
  const streaming = protocol.isStreaming(source.body);
  const { body, forwardUsage } = protocol.rewrite(source.body, owned, endpoint);
  const startedAt = now();
  // Each attempt can be abandoned on its own (timeout) and ends with the client.
  const controller = new AbortController();
  const followClient = () => controller.abort(signal?.reason);
  signal?.addEventListener('abort', followClient, { once: true });
  const timeoutMs = streaming ? firstTokenTimeoutMs : answerTimeoutMs;
  let timedOut = false;
  const timer = setTimeout(() => {
    timedOut = true;
    controller.abort(new Error('timeout'));
  }, timeoutMs);
  const failure = (error: unknown): GatewayError => {
    if (timedOut) {
      const what = streaming ? 'first token' : 'answer';
      return new GatewayError('upstream_timeout', `No ${what} within ${timeoutMs} ms.`, {
        retryable: true,
      });
    }
    if (error instanceof GatewayError) return error;
    return toProviderError({ status: undefined, retryable: true, retryAfterSeconds: undefined });
  };
  const abortedBeforeAnswer = (): RelayedAnswer => ({
    // Nobody reads this response: the client is gone. A call it abandoned before the answer
    // is billed its input estimate, since the provider may have worked on it.
    response: new Response(null, { status: 499 }),
    outcome: Promise.resolve(abortedOutcome(inputTokenEstimate, '')),
    timeToFirstTokenMs: () => undefined,
  });

  let answerBegan = false;
  try {
    let response: Response;
    try {
      response = await fetchUpstream(`${endpoint.baseURL}${protocol.path}`, {
        method: 'POST',
        headers: {
          ...endpoint.headers,
          // Only the protocol's listed headers (never credentials): the client's version wins.
          ...source.headers,
          'content-type': 'application/json',
          accept: streaming ? 'text/event-stream' : 'application/json',
        },
        body: JSON.stringify(body),
        signal: controller.signal,
      });
    } catch (error) {
      if (signal?.aborted && !streaming) return abortedBeforeAnswer();
      throw failure(error);
    }
    if (!response.ok) {
      const text = await readText(response, maxErrorBodyBytes).catch(() => '');
      throw toProviderError({
        status: response.status,
        retryable: isRetryableStatus(response.status),
        retryAfterSeconds: retryAfterSecondsOf((name) => response.headers.get(name), now()),
        body: text,
      });
    }

    if (!streaming) {
      let text: string;
      try {
        text = await response.text();
      } catch (error) {
        if (signal?.aborted) return abortedBeforeAnswer();
        throw failure(error);
      }
      let json: unknown;
      try {
        json = JSON.parse(text);
      } catch {
        throw new GatewayError('upstream_error', 'The provider sent an answer that is not JSON.', {
          retryable: true,
        });
      }
      const answer = protocol.readAnswer(json);
      const usage = answer.usage ?? countedUsage(inputTokenEstimate, answer.text);
      return {
        response: new Response(text, {
          headers: { 'content-type': 'application/json' },
        }),
        outcome: Promise.resolve({
          ending: 'finished',
          usage,
          usageSource: answer.usage ? 'provider' : 'counted',
          finishReason: answer.finishReason,
          text: answer.text,
          timeToFirstTokenMs: now() - startedAt,
        }),
        timeToFirstTokenMs: () => undefined,
      };
    }

    if (!response.body) throw failure(new Error('no body'));
    const relayed = relayEventStream(response.body, {
      protocol,
      tap: protocol.createTap({ forwardUsage, inputTokenEstimate }),
      forwardAll: forwardUsage,
      inputTokenEstimate,
      signal,
      startedAt,
      now,
    });
    try {
      await relayed.waitForAnswer();
    } catch (error) {
      await response.body.cancel().catch(() => {});
      throw failure(error);
    }
    answerBegan = true;
    return {
      response: new Response(relayed.stream, { headers: eventStreamHeaders }),
      outcome: relayed.outcome.finally(() => signal?.removeEventListener('abort', followClient)),
      timeToFirstTokenMs: relayed.timeToFirstTokenMs,
    };
  } finally {
    clearTimeout(timer);
    // A stream still follows the client until its answer ends; nothing else does.
    if (!answerBegan) signal?.removeEventListener('abort', followClient);
  }
}

function countedUsage(inputTokens: number, output: string) {
  const outputTokens = countTokens(output);
  return {
    inputTokens,
    outputTokens,
    cacheReadTokens: 0,
    cacheWriteTokens: 0,
    totalTokens: inputTokens + outputTokens,
  };
}

function abortedOutcome(inputTokenEstimate: number, output: string): ChatOutcome {
  return {
    ending: 'aborted',
    usage: countedUsage(inputTokenEstimate, output),
    usageSource: 'counted',
    finishReason: undefined,
    text: '',
    timeToFirstTokenMs: undefined,
  };
}

/** Reads at most `maxBytes` of a body as text. */
async function readText(response: Response, maxBytes: number): Promise<string> {
  if (!response.body) return '';
  const reader = response.body.getReader();
  const decoder = new TextDecoder();
  let text = '';
  let size = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    size += value.byteLength;
    text += decoder.decode(value, { stream: true });
    if (size >= maxBytes) {
      await reader.cancel().catch(() => {});
      break;
    }
  }
  return text;
}
