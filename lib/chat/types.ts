import type { ModelMessage, ToolChoice, ToolSet } from 'ai';
import type { GatewayError } from '@/lib/errors';
import type { RelaySource } from '@/lib/relay/attempt';

/** The wire API a chat request came through: `/api/chat`, Chat Completions, Messages, Responses. */
export type ChatApi = 'chat' | 'openai' | 'anthropic' | 'responses';

/** A chat request after validation, whichever endpoint it came through. */
export interface ChatRequest {
  /** Catalog id, `creator/model`. */
  model: string;
  instructions?: string;
  messages: ModelMessage[];
  maxOutputTokens?: number;
  temperature?: number;
  topP?: number;
  stopSequences?: string[];
  presencePenalty?: number;
  frequencyPenalty?: number;
  seed?: number;
  /** Tools the caller defines and runs; the gateway relays the model's calls. */
  tools?: ToolSet;
  toolChoice?: ToolChoice<ToolSet>;
  /** The caller's own end-user id (OpenAI `user`), passed on to providers that take one. */
  user?: string;
  /** Whether the model may call several tools in one turn (OpenAI `parallel_tool_calls`). */
  parallelToolCalls?: boolean;
  /** Structured output: any JSON, or JSON that follows a schema. */
  responseFormat?: {
    type: 'json';
    schema?: Record<string, unknown>;
    name?: string;
    description?: string;
  };
  /** The body as the client wrote it, for targets that speak the client's protocol. */
  relay?: RelaySource;
  /** The endpoint's own input estimate; default: counted from `messages`. */
  inputTokenEstimate?: number;
  /**
   * Why this request cannot be translated for a target of another protocol (a field such a
   * target cannot honour). Only targets that take the request as written may serve it then.
   */
  untranslatable?: GatewayError;
  /** The stored conversation this request continues; its usage record names it. */
  conversationId?: string;
}

/** Token counts as the gateway records them: always integers, never undefined. */
export interface Usage {
  inputTokens: number;
  outputTokens: number;
  cacheReadTokens: number;
  /** Input tokens written to the provider's prompt cache (part of `inputTokens`). */
  cacheWriteTokens: number;
  totalTokens: number;
}

export type ChatEnding = 'finished' | 'failed' | 'aborted';

/** How one answer ended, known once the stream is over, whoever ended it. */
export interface ChatOutcome {
  ending: ChatEnding;
  usage: Usage;
  /** Whether `usage` came from the provider or was counted by the gateway. */
  usageSource: 'provider' | 'counted';
  finishReason: string | undefined;
  text: string;
  /** Milliseconds from the start of the call to the first streamed token. */
  timeToFirstTokenMs: number | undefined;
  error?: unknown;
}

/** One try of one target: the router's record, kept with the request for attribution. */
export type { Attempt } from '@/lib/routing/router';
