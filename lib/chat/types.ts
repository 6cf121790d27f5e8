import type { ModelMessage, ToolChoice, ToolSet } from 'ai';

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

/** One try of one target, kept with the request for attribution. */
export interface Attempt {
  model: string;
  provider: string;
  outcome: 'served' | 'failed' | 'timeout' | 'skipped';
  /** The provider's HTTP status, when it answered with an error. */
  status?: number;
  latencyMs: number;
}
