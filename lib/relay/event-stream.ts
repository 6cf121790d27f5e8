import { settleOnce } from '@/lib/chat/settle-once';
import type { ChatOutcome } from '@/lib/chat/types';
import { countedUsage } from '@/lib/chat/usage';
import { GatewayError } from '@/lib/errors';
import { countTokens } from '@/lib/tokens';
import type { RelayProtocol, SseTap } from './protocol';

export interface RelayedStream {
  /** The upstream's bytes as they arrive; a cut ends with the protocol's error event. */
  stream: ReadableStream<Uint8Array>;
  /** Resolves exactly once, when the answer finished, failed or the client went away. */
  outcome: Promise<ChatOutcome>;
  timeToFirstTokenMs(): number | undefined;
  /**
   * Reads until the answer begins, holding what it read for the client. A failure before
   * that throws a retryable error, so another target may still be tried.
   */
  waitForAnswer(): Promise<void>;
}

export interface RelayedStreamOptions {
  protocol: RelayProtocol;
  tap: SseTap;
  /** Every event goes to the client, so chunks pass through untouched. */
  forwardAll: boolean;
  inputTokenEstimate: number;
  /** The client's signal: its abort ends the answer as aborted. */
  signal: AbortSignal | undefined;
  startedAt: number;
  now: () => number;
}

const endedEarly = () =>
  new GatewayError('upstream_error', "The provider's stream ended early.", { retryable: true });

/**
 * One tap on an upstream event stream. Bytes go on as they came; the tap reads the events on
 * the side (usage for settlement, the output for billing a cut answer). Only when an event
 * must be held back (a usage chunk the client did not ask for) are the kept events re-encoded.
 */
export function relayEventStream(
  body: ReadableStream<Uint8Array>,
  options: RelayedStreamOptions,
): RelayedStream {
  const { protocol, tap, forwardAll, inputTokenEstimate, signal, startedAt, now } = options;
  const reader = body.getReader();
  const decoder = new TextDecoder();
  const encoder = new TextEncoder();
  let pending = '';
  let timeToFirstTokenMs: number | undefined;
  const once = settleOnce<ChatOutcome>(() => signal?.removeEventListener('abort', onAbort));

  const end = (ending: ChatOutcome['ending'], error?: unknown) => {
    const { usage, finishReason } = tap.summary();
    once.settle({
      ending,
      // The provider's count wins whenever it arrived, even on a stream cut after it.
      usage: usage ?? countedUsage(inputTokenEstimate, countTokens(tap.streamedOutput())),
      usageSource: usage ? 'provider' : 'counted',
      finishReason,
      text: '',
      timeToFirstTokenMs,
      error,
    });
  };
  const onAbort = () => {
    if (!once.isSettled()) end('aborted', signal?.reason);
  };
  signal?.addEventListener('abort', onAbort, { once: true });

  /** Feeds the tap every complete event; returns the bytes the client gets now. */
  const forward = (chunk: Uint8Array): Uint8Array | undefined => {
    const text = decoder.decode(chunk, { stream: true });
    const startedClean = pending === '';
    pending += text;
    // CRLF line ends are read as LF; a CR at a chunk's end waits for its LF in the next one.
    if (text.includes('\r')) pending = pending.replace(/\r\n/g, '\n');
    let kept = '';
    let dropped = false;
    let boundary = pending.indexOf('\n\n');
    let consumed = 0;
    while (boundary !== -1) {
      const block = pending.slice(consumed, boundary);
      const read = readEvent(block, tap);
      if (read === true) kept += `${block}\n\n`;
      else {
        // Held back, or rewritten: either way the kept events are re-encoded.
        dropped = true;
        if (read !== false) kept += `${read}\n\n`;
      }
      consumed = boundary + 2;
      boundary = pending.indexOf('\n\n', consumed);
    }
    pending = pending.slice(consumed);
    if (forwardAll) return chunk;
    if (!dropped && startedClean && pending === '' && !text.includes('\r')) return chunk;
    return kept ? encoder.encode(kept) : undefined;
  };

  const held: Uint8Array[] = [];
  const errorEvent = (error: GatewayError) => encoder.encode(protocol.errorEvent(error));

  async function waitForAnswer(): Promise<void> {
    for (;;) {
      let next: ReadableStreamReadResult<Uint8Array>;
      try {
        next = await reader.read();
      } catch (error) {
        throw new GatewayError('upstream_error', 'The provider could not be reached.', {
          retryable: true,
          cause: error,
        });
      }
      if (next.done) {
        throw new GatewayError('upstream_error', 'The provider ended the answer before it began.', {
          retryable: true,
        });
      }
      const bytes = forward(next.value);
      if (bytes) held.push(bytes);
      const { error, complete } = tap.summary();
      if (error && !tap.began) throw error;
      if (tap.began || complete) {
        timeToFirstTokenMs = now() - startedAt;
        return;
      }
    }
  }

  const stream = new ReadableStream<Uint8Array>(
    {
      async pull(controller) {
        // What the wait for the answer read goes first.
        if (held.length > 0) {
          for (const bytes of held.splice(0)) controller.enqueue(bytes);
          return;
        }
        // A read may yield nothing for the client (a held-back event): read on until it does.
        for (;;) {
          let next: ReadableStreamReadResult<Uint8Array>;
          try {
            next = await reader.read();
          } catch (error) {
            if (signal?.aborted) {
              end('aborted', error);
            } else {
              end('failed', error);
              controller.enqueue(errorEvent(endedEarly()));
            }
            controller.close();
            return;
          }
          if (next.done) {
            const { complete, error } = tap.summary();
            if (complete && !error) end('finished');
            else {
              end('failed', error ?? endedEarly());
              // The provider's own error event already told the client; a silent cut did not.
              if (!error) controller.enqueue(errorEvent(endedEarly()));
            }
            controller.close();
            return;
          }
          const bytes = forward(next.value);
          if (bytes) {
            controller.enqueue(bytes);
            return;
          }
        }
      },
      cancel(reason) {
        end('aborted', reason);
        return reader.cancel(reason);
      },
      // Pulled only when the client reads: until the answer began, `waitForAnswer` is the reader.
    },
    { highWaterMark: 0 },
  );

  return {
    stream,
    outcome: once.outcome,
    timeToFirstTokenMs: () => timeToFirstTokenMs,
    waitForAnswer,
  };
}

/**
 * One SSE event block: its `data:` lines joined, and its `event:` name. Comments pass. Returns
 * whether it goes on as it is, or the block that replaces it.
 */
function readEvent(block: string, tap: SseTap): boolean | string {
  let data: string | undefined;
  let name: string | undefined;
  for (const line of block.split('\n')) {
    if (line.startsWith('data:')) {
      const value = line.charCodeAt(5) === 32 ? line.slice(6) : line.slice(5);
      data = data === undefined ? value : `${data}\n${value}`;
    } else if (line.startsWith('event:')) {
      name = line.slice(6).trim();
    }
  }
  if (data === undefined) return true;
  const read = tap.event(data, name);
  if (typeof read !== 'string') return read;
  return name === undefined ? `data: ${read}` : `event: ${name}\ndata: ${read}`;
}
