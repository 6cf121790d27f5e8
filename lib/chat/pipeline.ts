import { streamText } from 'ai';
import { type Config, getConfig, type Pricing } from '@/lib/config';
import { GatewayError } from '@/lib/errors';
import { type Catalog, getCatalog } from '@/lib/providers/catalog';
import {
  createLanguageModel,
  type ProviderAdapters,
  providerAdapters,
} from '@/lib/providers/registry';
import { estimatePromptTokens } from '@/lib/tokens';
import { waitForFirstToken } from './first-token';
import { type MeteredStream, meterStream } from './meter';
import type { ChatRequest } from './types';

// The SDK's default warning logger calls process.emitWarning, which throws on the Edge runtime
// and would turn a harmless provider warning into a failed request.
const sdkGlobals = globalThis as { AI_SDK_LOG_WARNINGS?: unknown };
sdkGlobals.AI_SDK_LOG_WARNINGS ??= (options: {
  warnings: unknown[];
  provider?: string;
  model?: string;
}) => console.warn(JSON.stringify({ event: 'tollgate.sdk-warning', ...options }));

export interface ChatRun extends MeteredStream {
  id: string;
  /** The catalog model that serves the answer. */
  model: string;
  /** The configured provider id that serves it. */
  provider: string;
  inputTokenEstimate: number;
  /** Price of the serving model; absent when it has none. */
  pricing: Pricing | undefined;
}

export interface ChatDependencies {
  config?: Config;
  catalog?: Catalog;
  adapters?: ProviderAdapters;
  now?: () => number;
}

/** The one chat pipeline behind /api/chat and /api/v1: request in, metered stream out. */
export async function startChat(
  request: ChatRequest,
  signal: AbortSignal | undefined,
  {
    config = getConfig(),
    catalog = getCatalog(config),
    adapters = providerAdapters,
    now = Date.now,
  }: ChatDependencies = {},
): Promise<ChatRun> {
  const model = await catalog.resolve(request.model);
  const target = model.config.targets[0];
  const provider = target && config.providers[target.provider];
  if (!target || !provider) {
    throw new GatewayError('no_provider_available', `No provider can serve "${model.id}".`);
  }
  const inputTokenEstimate = estimatePromptTokens(request.messages, request.instructions);
  const result = streamText({
    model: await createLanguageModel(provider, target.model, adapters),
    instructions: request.instructions,
    messages: request.messages,
    allowSystemInMessages: true,
    maxOutputTokens: request.maxOutputTokens ?? model.config.maxOutputTokens,
    temperature: request.temperature,
    topP: request.topP,
    stopSequences: request.stopSequences,
    presencePenalty: request.presencePenalty,
    frequencyPenalty: request.frequencyPenalty,
    seed: request.seed,
    tools: request.tools,
    toolChoice: request.toolChoice,
    abortSignal: signal,
    // Routing owns retries and failover; the SDK's own backoff would only add seconds.
    maxRetries: 0,
  });
  const metered = meterStream(result.stream, { inputTokenEstimate, signal, now });
  return {
    id: `chat-${crypto.randomUUID()}`,
    model: model.id,
    provider: target.provider,
    inputTokenEstimate,
    pricing: model.config.pricing,
    ...metered,
    stream: await waitForFirstToken(metered.stream),
  };
}
