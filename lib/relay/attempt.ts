import type { ChatOutcome } from '@/lib/chat/types';
import {
  GatewayError,
  isRetryableStatus,
  retryAfterSecondsOf,
  toProviderError,
  toResponse,
} from '@/lib/errors';
import { eventStreamHeaders } from '@/lib/http/headers';
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

/**
 * What an attempt resolves to once its target has begun answering: failover is over. A stream
 * is ready to send; a non-streaming answer still has its body to read (`complete`).
 */
export interface RelayStart {
  complete(): Promise<RelayedAnswer>;
}

export interface RelayAttemptOptions {
  source: RelaySource;
  endpoint: UpstreamEndpoint;
  owned: OwnedFields;
  inputTokenEstimate: number;
  /**
   * The attempt's signal (the router's): aborts with the client, or when the target has not
   * begun answering in time. It stays the upstream request's signal once the answer began.
   */
  attemptSignal: AbortSignal;
  /** The client's signal: its abort ends an answer under way as aborted. */
  signal: AbortSignal | undefined;
  /** A non-streaming body must be read within this, once its headers came. */
  answerTimeoutMs: number;
  now?: () => number;
  fetch?: typeof fetch;
}

// An error body is read for its message only; a provider could send any amount.
const maxErrorBodyBytes = 64 * 1024;

const unreachable = (cause: unknown) =>
  toProviderError({ status: undefined, retryable: true, retryAfterSeconds: undefined }, cause);

/**
 * One try of one target in the client's own protocol, the relay's attempt step for the router.
 * Throws, before anything reached the client, for every failure (a retryable one lets the router
 * try the next target). Resolves once a stream's answer has begun, or once a non-streaming call's
 * headers said it succeeded.
 */
export async function relayAttempt({
  source,
  endpoint,
  owned,
  inputTokenEstimate,
  attemptSignal,
  signal,
  answerTimeoutMs,
  now = Date.now,
  fetch: fetchUpstream = fetch,
}: RelayAttemptOptions): Promise<RelayStart> {
  const { protocol } = source;
  const streaming = protocol.isStreaming(source.body);
  const { body, forwardUsage } = protocol.rewrite(source.body, owned, endpoint);
  const startedAt = now();
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
      signal: attemptSignal,
    });
  } catch (error) {
    throw attemptSignal.aborted ? attemptSignal.reason : unreachable(error);
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
    return {
      complete: () =>
        readCompletion(response, {
          protocol,
          inputTokenEstimate,
          signal,
          answerTimeoutMs,
          startedAt,
          now,
        }),
    };
  }
  if (!response.body) throw unreachable(new Error('no body'));
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
    throw attemptSignal.aborted ? attemptSignal.reason : error;
  }
  const answer: RelayedAnswer = {
    response: new Response(relayed.stream, { headers: eventStreamHeaders }),
    outcome: relayed.outcome,
    timeToFirstTokenMs: relayed.timeToFirstTokenMs,
  };
  return { complete: async () => answer };
}

interface CompletionOptions {
  protocol: RelayProtocol;
  inputTokenEstimate: number;
  signal: AbortSignal | undefined;
  answerTimeoutMs: number;
  startedAt: number;
  now: () => number;
}

/**
 * Reads a non-streaming answer whole, so the client gets either all of it, as sent, or a clean
 * error. A client that leaves meanwhile is billed the input estimate: the provider may well
 * have generated the answer already, and its usage is in the body nobody read.
 */
async function readCompletion(
  response: Response,
  { protocol, inputTokenEstimate, signal, answerTimeoutMs, startedAt, now }: CompletionOptions,
): Promise<RelayedAnswer> {
  const ended = (ending: ChatOutcome['ending'], error?: unknown) => ({
    response: ending === 'aborted' ? new Response(null, { status: 499 }) : toResponse(error),
    outcome: Promise.resolve<ChatOutcome>({
      ending,
      usage: counted(ending === 'aborted' ? inputTokenEstimate : 0, ''),
      usageSource: 'counted',
      finishReason: undefined,
      text: '',
      timeToFirstTokenMs: undefined,
      error,
    }),
    timeToFirstTokenMs: () => undefined,
  });
  let timer: ReturnType<typeof setTimeout> | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(
      () =>
        reject(
          new GatewayError('upstream_timeout', 'The provider did not finish its answer in time.'),
        ),
      answerTimeoutMs,
    );
  });
  let text: string;
  try {
    text = await Promise.race([response.text(), timeout]);
  } catch (error) {
    await response.body?.cancel().catch(() => {});
    if (signal?.aborted) return ended('aborted', error);
    return ended('failed', error instanceof GatewayError ? error : unreachable(error));
  } finally {
    clearTimeout(timer);
  }
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (error) {
    return ended(
      'failed',
      new GatewayError('upstream_error', 'The provider sent an answer that is not JSON.', {
        cause: error,
      }),
    );
  }
  const answer = protocol.readAnswer(json);
  const timeToFirstTokenMs = now() - startedAt;
  return {
    response: new Response(text, { headers: { 'content-type': 'application/json' } }),
    outcome: Promise.resolve({
      ending: 'finished',
      usage: answer.usage ?? counted(inputTokenEstimate, answer.text),
      usageSource: answer.usage ? 'provider' : 'counted',
      finishReason: answer.finishReason,
      text: answer.text,
      timeToFirstTokenMs,
    }),
    timeToFirstTokenMs: () => timeToFirstTokenMs,
  };
}

function counted(inputTokens: number, output: string) {
  const outputTokens = countTokens(output);
  return {
    inputTokens,
    outputTokens,
    cacheReadTokens: 0,
    cacheWriteTokens: 0,
    totalTokens: inputTokens + outputTokens,
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
