import type { Usage } from '@/lib/chat/types';
import type { GatewayError } from '@/lib/errors';

/**
 * The wire protocols the gateway can relay: a client speaking one of them to a target that speaks
 * the same one gets its request sent on as written. New protocols (Anthropic Messages, OpenAI
 * Responses) add a descriptor and an id here.
 */
export type RelayProtocolId = 'openai-chat' | 'anthropic-messages' | 'openai-responses';

/** Where and how to reach one provider for one protocol; built by the provider's adapter. */
export interface UpstreamEndpoint {
  /** Base URL the protocol's `path` is appended to, e.g. `https://api.openai.com/v1`. */
  baseURL: string;
  /** Authentication and any fixed headers. */
  headers: Record<string, string>;
  /** The output-cap field this target expects when the client named none. */
  outputCapField?: string;
  /** Body fields the provider owns (the AI Gateway's routing options), merged in. */
  bodyOptions?: Record<string, unknown>;
}

/** What the gateway decides for a relayed request; everything else goes as the client wrote it. */
export interface OwnedFields {
  /** The target's own model id. */
  upstreamModel: string;
  /** The output cap after the budget's clamp. */
  maxOutputTokens: number;
  /** The caller, for the protocol's end-user field when the client sent none. */
  user: string | undefined;
}

/** What a tap learnt from one answer. */
export interface TapSummary {
  /** The protocol's own end marker arrived (`[DONE]`, `message_stop`, …). */
  complete: boolean;
  /** The provider's usage, when it reported one. */
  usage: Usage | undefined;
  finishReason: string | undefined;
  /** An error the provider sent inside the stream. */
  error: GatewayError | undefined;
}

/** Reads one streamed answer's events on the side, without changing them. */
export interface SseTap {
  /**
   * One event (its `data:` payload, and its `event:` name if any). Returns false when the
   * event must not reach the client (the usage chunk it did not ask for), or new `data` for it
   * (a `message_start` whose upstream reported no input count gets the estimate).
   */
  event(data: string, name: string | undefined): boolean | string;
  /** True once an event carries a piece of the answer: from here on failover is over. */
  readonly began: boolean;
  summary(): TapSummary;
  /** The answer's text and tool arguments so far, for counting an answer cut short. */
  streamedOutput(): string;
}

/** What a non-streaming answer reports. */
export interface AnswerSummary {
  usage: Usage | undefined;
  text: string;
  finishReason: string | undefined;
}

/** A client protocol the relay can carry, described once. */
export interface RelayProtocol {
  id: RelayProtocolId;
  /** Appended to the endpoint's base URL. */
  path: string;
  /** Whether the client's body asks for a streamed answer. */
  isStreaming(body: Record<string, unknown>): boolean;
  /** The output cap the client asked for, if any. */
  requestedOutputTokens(body: Record<string, unknown>): number | undefined;
  /**
   * The body to send: the client's, with the owned fields set. Returns the new body and whether
   * the client itself asked for the usage event (so it is forwarded).
   */
  rewrite(
    body: Record<string, unknown>,
    owned: OwnedFields,
    endpoint: UpstreamEndpoint,
  ): { body: Record<string, unknown>; forwardUsage: boolean };
  createTap(options: { forwardUsage: boolean; inputTokenEstimate: number }): SseTap;
  /** Request headers of the client's that go on as sent (`anthropic-version`, `anthropic-beta`). */
  forwardedHeaders?: readonly string[];
  /** Reads a non-streaming answer's JSON. */
  readAnswer(json: unknown): AnswerSummary;
  /** The event that ends a stream with an error, in the protocol's own format. */
  errorEvent(error: GatewayError): string;
}
