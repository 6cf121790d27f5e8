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
import type { ChatAccounting } from './accounting';
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

/** Output cap when neither the request nor the model names one: budgets need a bound. */
export const defaultMaxOutputTokens = 4096;

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
  /** Reserves and settles the caller's budgets; without it nothing is limited or recorded. */
  accounting?: ChatAccounting;
  /** Hands work that finishes after the response (settlement) to the platform. */
  defer?: (task: Promise<unknown>) => void;
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
    accounting,
    defer = (task) => void task.catch(() => {}),
    now = Date.now,
  }: ChatDependencies = {},
): Promise<ChatRun> {
  const model = await catalog.resolve(request.model);
  const target = model.config.targets[0];
  const provider = target && config.providers[target.provider];
  if (!target || !provider) {
    throw new GatewayError('no_provider_available', `No provider can serve "${model.id}".`);
  }
  const pricing = model.config.pricing;
  const inputTokenEstimate = estimatePromptTokens(request.messages, request.instructions);
  const requestedOutputTokens =
    request.maxOutputTokens ?? model.config.maxOutputTokens ?? defaultMaxOutputTokens;
  const maxOutputTokens = accounting
    ? await accounting.reserve({ inputTokens: inputTokenEstimate, requestedOutputTokens, pricing })
    : requestedOutputTokens;
  const ending = { model: model.id, provider: target.provider, pricing };

  let metered: MeteredStream;
  let stream: MeteredStream['stream'];
  try {
    const result = streamText({
      model: await createLanguageModel(provider, target.model, adapters),
      instructions: request.instructions,
      messages: request.messages,
      allowSystemInMessages: true,
      maxOutputTokens,
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
    metered = meterStream(result.stream, { inputTokenEstimate, signal, now });
    stream = await waitForFirstToken(metered.stream);
  } catch (error) {
    if (accounting) defer(accounting.settle(ending));
    throw error;
  }
  if (accounting)
    defer(metered.outcome.then((outcome) => accounting.settle({ ...ending, outcome })));
  return {
    id: `chat-${crypto.randomUUID()}`,
    model: model.id,
    provider: target.provider,
    inputTokenEstimate,
    pricing,
    ...metered,
    stream,
  };
}
