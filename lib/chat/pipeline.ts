import { experimental_streamLanguageModelCall as streamLanguageModelCall } from 'ai';
import { type Config, getConfig, type Pricing } from '@/lib/config';
import { type Catalog, getCatalog } from '@/lib/providers/catalog';
import { createLanguageModel, type ModelFactories, modelFactories } from '@/lib/providers/models';
import {
  type ProviderAdapters,
  providerAdapters,
  providerCallOptions,
} from '@/lib/providers/registry';
import { type Candidate, listCandidates, reservationPricing } from '@/lib/routing/candidates';
import { type CircuitBreaker, getCircuits } from '@/lib/routing/circuit';
import {
  type Attempt,
  checkCircuits,
  type RouterDependencies,
  route,
  sleep as sleepFor,
} from '@/lib/routing/router';
import { getRedis } from '@/lib/store/redis';
import { estimatePromptTokens } from '@/lib/tokens';
import type { ChatAccounting } from './accounting';
import { waitForFirstToken } from './first-token';
import { type MeteredStream, meterStream } from './meter';
import { toTextStreamParts } from './model-call';
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
  attempts: Attempt[];
}

export interface ChatDependencies {
  config?: Config;
  catalog?: Catalog;
  adapters?: ProviderAdapters;
  /** Builds the AI SDK model of a target. */
  models?: ModelFactories;
  circuits?: CircuitBreaker;
  /** Reserves and settles the caller's budgets; without it nothing is limited or recorded. */
  accounting?: ChatAccounting;
  /** Hands work that finishes after the response (settlement) to the platform. */
  defer?: (task: Promise<unknown>) => void;
  now?: () => number;
  sleep?: RouterDependencies['sleep'];
  random?: () => number;
}

/**
 * The one chat pipeline behind /api/chat and /api/v1: resolve the model, reserve the budget,
 * then let the router try each target (and fallback model) until one sends a first token.
 */
export async function startChat(
  request: ChatRequest,
  signal: AbortSignal | undefined,
  {
    config = getConfig(),
    catalog = getCatalog(config),
    adapters = providerAdapters,
    models = modelFactories,
    circuits = getCircuits(getRedis(config), config.routing),
    accounting,
    defer = (task) => void task.catch(() => {}),
    now = Date.now,
    sleep = sleepFor,
    random,
  }: ChatDependencies = {},
): Promise<ChatRun> {
  const resolved = await catalog.resolve(request.model);
  let candidates = await listCandidates(resolved, { config, catalog });
  // A dollar budget cannot be kept by a model without a price: such targets are never tried.
  if (accounting?.pricesRequired)
    candidates = candidates.filter((candidate) => candidate.model.pricing);
  const inputTokenEstimate = estimatePromptTokens(request.messages, request.instructions);
  const requestedOutputTokens =
    request.maxOutputTokens ?? resolved.config.maxOutputTokens ?? defaultMaxOutputTokens;
  // Admission (key, rate windows, lease, budget) and the circuit states are all Lua scripts
  // issued in one synchronous burst: auto-pipelining sends them to Redis as one round trip, the
  // only one before the first upstream byte. A denial may waste a probe the check claimed; the
  // circuit then stays open one more first-token timeout.
  const admitted = accounting
    ? accounting.admit({
        inputTokens: inputTokenEstimate,
        requestedOutputTokens,
        pricing: reservationPricing(candidates),
      })
    : requestedOutputTokens;
  const circuitStates = checkCircuits(circuits, candidates);
  const maxOutputTokens = await admitted;

  const routerDependencies: RouterDependencies = {
    circuits,
    now,
    sleep,
    random,
    requestTimeoutMs: config.routing.requestTimeoutMs,
    firstTokenTimeoutMs: config.routing.firstTokenTimeoutMs,
    defer,
  };
  const user = request.user ?? accounting?.identity.userId;
  const routed = await route(
    candidates,
    ({ candidate, signal: attemptSignal }) =>
      callCandidate(candidate, {
        request,
        signal,
        attemptSignal,
        maxOutputTokens,
        inputTokenEstimate,
        adapters,
        models,
        user,
        now,
      }),
    routerDependencies,
    {
      signal,
      circuitStates,
      onFailure: (attempts) => {
        if (!accounting) return;
        const first = candidates[0] as Candidate;
        defer(
          accounting.settle({
            model: first.modelId,
            provider: first.target.provider,
            pricing: first.model.pricing,
            attempts,
          }),
        );
      },
    },
  );
  const { result: metered, candidate, attempts } = routed;
  const served = {
    model: candidate.modelId,
    provider: candidate.target.provider,
    pricing: candidate.model.pricing,
  };
  if (accounting) {
    defer(metered.outcome.then((outcome) => accounting.settle({ ...served, outcome, attempts })));
  }
  return { id: `chat-${crypto.randomUUID()}`, ...served, inputTokenEstimate, attempts, ...metered };
}

interface CallOptions {
  request: ChatRequest;
  /** The client's signal: the meter bills an abort from it. */
  signal: AbortSignal | undefined;
  /** The router's signal for this attempt: it closes the upstream call. */
  attemptSignal: AbortSignal;
  maxOutputTokens: number;
  inputTokenEstimate: number;
  adapters: ProviderAdapters;
  models: ModelFactories;
  user: string | undefined;
  now: () => number;
}

/** One attempt of the translation path: call the target through the AI SDK, wait for its first token. */
async function callCandidate(
  candidate: Candidate,
  {
    request,
    signal,
    attemptSignal,
    maxOutputTokens,
    inputTokenEstimate,
    adapters,
    models,
    user,
    now,
  }: CallOptions,
): Promise<MeteredStream> {
  const call = streamLanguageModelCall({
    model: await createLanguageModel(candidate.provider, candidate.target.model, models),
    instructions: request.instructions,
    messages: request.messages,
    allowSystemInMessages: true,
    maxOutputTokens: Math.min(maxOutputTokens, candidate.model.maxOutputTokens ?? maxOutputTokens),
    temperature: request.temperature,
    topP: request.topP,
    stopSequences: request.stopSequences,
    presencePenalty: request.presencePenalty,
    frequencyPenalty: request.frequencyPenalty,
    seed: request.seed,
    tools: request.tools,
    toolChoice: request.toolChoice,
    providerOptions: providerCallOptions(
      candidate.provider,
      { model: candidate.model, user },
      adapters,
    ),
    abortSignal: attemptSignal,
  });
  const metered = meterStream(toTextStreamParts(call), { inputTokenEstimate, signal, now });
  return { ...metered, stream: await waitForFirstToken(metered.stream, attemptSignal) };
}
