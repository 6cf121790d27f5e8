import {
  jsonSchema,
  Output,
  experimental_streamLanguageModelCall as streamLanguageModelCall,
} from 'ai';
import { type Config, getConfig, type Pricing } from '@/lib/config';
import { GatewayError, toGatewayError } from '@/lib/errors';
import { type Catalog, getCatalog } from '@/lib/providers/catalog';
import { refuseDownloads } from '@/lib/providers/no-downloads';
import {
  createLanguageModel,
  type ProviderAdapters,
  providerAdapters,
  providerCallOptions,
  relayEndpointOf,
} from '@/lib/providers/registry';
import { type RelayedAnswer, relayAttempt } from '@/lib/relay/attempt';
import { type Candidate, listCandidates, reservationPricing } from '@/lib/routing/candidates';
import { type CircuitBreaker, getCircuits } from '@/lib/routing/circuit';
import { getRedis } from '@/lib/store/redis';
import { estimatePromptTokens } from '@/lib/tokens';
import type { ChatAccounting } from './accounting';
import { waitForFirstToken } from './first-token';
import { type MeteredStream, meterStream } from './meter';
import { toTextStreamParts } from './model-call';
import type { Attempt, ChatRequest } from './types';

// The SDK's default warning logger calls process.emitWarning, which throws on the Edge runtime
// and would turn a harmless provider warning into a failed request.
const sdkGlobals = globalThis as { AI_SDK_LOG_WARNINGS?: unknown };
sdkGlobals.AI_SDK_LOG_WARNINGS ??= (options: {
  warnings: unknown[];
  provider?: string;
  model?: string;
}) => console.warn(JSON.stringify({ event: 'tollgate.sdk-warning', ...options }));

/** A provider's Retry-After up to this long is waited out when no other target is left. */
export const maxRetryAfterWaitMs = 2_000;

/** Output cap when neither the request nor the model names one: budgets need a bound. */
export const defaultMaxOutputTokens = 4096;

/** What every served request has, relayed or translated. */
export interface ServedRun {
  id: string;
  /** The catalog model that serves the answer. */
  model: string;
  /** The configured provider id that serves it. */
  provider: string;
  inputTokenEstimate: number;
  /** Price of the serving model; absent when it has none. */
  pricing: Pricing | undefined;
  attempts: Attempt[];
  outcome: MeteredStream['outcome'];
  timeToFirstTokenMs(): number | undefined;
}

/** A translated answer: AI SDK parts, for the endpoint to put in its own format. */
export interface ChatRun extends ServedRun, MeteredStream {}

/** A relayed answer: the upstream's response in the client's own protocol, ready to send. */
export interface RelayedRun extends ServedRun {
  response: Response;
}

export const isRelayed = (run: ChatRun | RelayedRun): run is RelayedRun => 'response' in run;

export interface ChatDependencies {
  config?: Config;
  catalog?: Catalog;
  adapters?: ProviderAdapters;
  circuits?: CircuitBreaker;
  /** Reserves and settles the caller's budgets; without it nothing is limited or recorded. */
  accounting?: ChatAccounting;
  /** Hands work that finishes after the response (settlement) to the platform. */
  defer?: (task: Promise<unknown>) => void;
  now?: () => number;
}

/**
 * The one chat pipeline behind /api/chat and /api/v1: resolve the model, reserve the budget,
 * then try each target (and fallback model) until one sends a first token.
 */
export async function startChat(
  request: ChatRequest,
  signal: AbortSignal | undefined,
  {
    config = getConfig(),
    catalog = getCatalog(config),
    adapters = providerAdapters,
    circuits = getCircuits(getRedis(config), config.routing),
    accounting,
    defer = (task) => void task.catch(() => {}),
    now = Date.now,
  }: ChatDependencies = {},
): Promise<ChatRun | RelayedRun> {
  const resolved = await catalog.resolve(request.model);
  let candidates = await listCandidates(resolved, { config, catalog });
  // A dollar budget cannot be kept by a model without a price: such targets are never tried.
  if (accounting?.pricesRequired)
    candidates = candidates.filter((candidate) => candidate.model.pricing);
  const { relay } = request;
  const relayEndpoint = (candidate: Candidate) =>
    relay && relayEndpointOf(candidate.provider, relay.protocol.id, adapters);
  // A field only the client's own protocol can carry leaves only the targets that speak it.
  if (request.untranslatable) {
    candidates = candidates.filter((candidate) => relayEndpoint(candidate) !== undefined);
    if (candidates.length === 0) throw request.untranslatable;
  }
  const inputTokenEstimate =
    request.inputTokenEstimate ?? estimatePromptTokens(request.messages, request.instructions);
  const requestedOutputTokens =
    request.maxOutputTokens ?? resolved.config.maxOutputTokens ?? defaultMaxOutputTokens;
  // Admission (key, rate windows, lease, budget) and the circuit states are all Lua scripts
  // issued in one synchronous burst: auto-pipelining sends them to Redis as one round trip, the
  // only one before the first upstream byte. A denial may waste a probe the check claimed; the
  // circuit then stays open one more first-token timeout.
  const [maxOutputTokens, states] = await Promise.all([
    accounting
      ? accounting.admit({
          inputTokens: inputTokenEstimate,
          requestedOutputTokens,
          pricing: reservationPricing(candidates),
        })
      : requestedOutputTokens,
    circuits
      .check(candidates.map((candidate) => candidate.key))
      .catch(() => candidates.map(() => 'closed' as const)),
  ]);

  const startedAt = now();
  const deadline = startedAt + config.routing.requestTimeoutMs;
  const attempts: Attempt[] = [];
  let lastError: GatewayError | undefined;
  let waitedOutRetryAfter = false;

  for (let index = 0; index < candidates.length; index++) {
    const candidate = candidates[index] as Candidate;
    const attempt = { model: candidate.modelId, provider: candidate.target.provider };
    if (states[index] === 'open') {
      attempts.push({ ...attempt, outcome: 'skipped', latencyMs: 0 });
      continue;
    }
    const remaining = deadline - now();
    if (remaining <= 0 || signal?.aborted) break;
    const attemptStartedAt = now();
    try {
      const timeoutMs = Math.min(config.routing.firstTokenTimeoutMs, remaining);
      const cap = Math.min(maxOutputTokens, candidate.model.maxOutputTokens ?? maxOutputTokens);
      const user = accounting?.identity.userId;
      const endpoint = relayEndpoint(candidate);
      const answer: Answer =
        relay && endpoint
          ? await relayAttempt({
              source: relay,
              endpoint: await endpoint({ model: candidate.model }),
              owned: { upstreamModel: candidate.target.model, maxOutputTokens: cap, user },
              inputTokenEstimate,
              firstTokenTimeoutMs: timeoutMs,
              answerTimeoutMs: remaining,
              signal,
              now,
            })
          : await tryCandidate(candidate, {
              request,
              signal,
              maxOutputTokens: cap,
              inputTokenEstimate,
              timeoutMs,
              adapters,
              user,
              now,
            });
      attempts.push({ ...attempt, outcome: 'served', latencyMs: now() - attemptStartedAt });
      if (states[index] === 'probe') defer(circuits.recordSuccess(candidate.key));
      const served = {
        model: candidate.modelId,
        provider: candidate.target.provider,
        pricing: candidate.model.pricing,
      };
      if (accounting) {
        defer(
          answer.outcome.then((outcome) => accounting.settle({ ...served, outcome, attempts })),
        );
      }
      return {
        id: `chat-${crypto.randomUUID()}`,
        ...served,
        inputTokenEstimate,
        attempts,
        ...answer,
      };
    } catch (error) {
      lastError = toGatewayError(error);
      attempts.push({
        ...attempt,
        outcome: lastError.code === 'upstream_timeout' ? 'timeout' : 'failed',
        status: lastError.upstreamStatus,
        latencyMs: now() - attemptStartedAt,
      });
      // Recorded before moving on (it is the failure path anyway), so the very next request
      // already sees a circuit this failure opened.
      if (lastError.retryable) await circuits.recordFailure(candidate.key).catch(() => {});
      // A provider's refusal of the request itself (400, 401, 403, 404, 422) would be every
      // target's answer: it goes back to the client at once.
      if (!lastError.retryable) break;
      // With no other target left, a short Retry-After (a 429's) is cheaper to wait out than
      // to fail the request; a long one is passed on to the client instead.
      const waitMs = (lastError.retryAfterSeconds ?? Number.POSITIVE_INFINITY) * 1000;
      const otherTargetLeft = states.slice(index + 1).some((state) => state !== 'open');
      if (
        !otherTargetLeft &&
        !waitedOutRetryAfter &&
        waitMs <= maxRetryAfterWaitMs &&
        now() + waitMs < deadline
      ) {
        waitedOutRetryAfter = true;
        await new Promise((resolve) => setTimeout(resolve, waitMs));
        index--;
      }
    }
  }

  const failure = finalFailure(lastError, attempts);
  if (accounting) {
    const first = candidates[0] as Candidate;
    defer(
      accounting.settle({
        model: first.modelId,
        provider: first.target.provider,
        pricing: first.model.pricing,
        attempts,
      }),
    );
  }
  throw failure;
}

interface AttemptOptions {
  request: ChatRequest;
  signal: AbortSignal | undefined;
  maxOutputTokens: number;
  inputTokenEstimate: number;
  timeoutMs: number;
  adapters: ProviderAdapters;
  user: string | undefined;
  now: () => number;
}

type Answer = MeteredStream | RelayedAnswer;

async function tryCandidate(
  candidate: Candidate,
  {
    request,
    signal,
    maxOutputTokens,
    inputTokenEstimate,
    timeoutMs,
    adapters,
    user,
    now,
  }: AttemptOptions,
): Promise<MeteredStream> {
  // Each attempt can be abandoned on its own (first-token timeout) and ends with the client.
  const attemptController = new AbortController();
  const followClient = () => attemptController.abort(signal?.reason);
  signal?.addEventListener('abort', followClient, { once: true });
  const call = streamLanguageModelCall({
    model: await createLanguageModel(candidate.provider, candidate.target.model, adapters),
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
    output: request.responseFormat && toOutput(request.responseFormat),
    providerOptions: providerCallOptions(
      candidate.provider,
      {
        model: candidate.model,
        user: request.user ?? user,
        parallelToolCalls: request.parallelToolCalls,
      },
      adapters,
    ),
    // The gateway never fetches what a client links to: see refuseDownloads.
    download: refuseDownloads,
    abortSignal: attemptController.signal,
  });
  const metered = meterStream(toTextStreamParts(call), { inputTokenEstimate, signal, now });
  try {
    const stream = await waitForFirstToken(metered.stream, {
      timeoutMs,
      onTimeout: () => attemptController.abort(new Error('first-token timeout')),
    });
    return { ...metered, stream };
  } catch (error) {
    signal?.removeEventListener('abort', followClient);
    throw error;
  }
}

function toOutput({ schema, name, description }: NonNullable<ChatRequest['responseFormat']>) {
  return schema
    ? Output.object({ schema: jsonSchema(schema), name, description })
    : Output.json({ name, description });
}

function finalFailure(lastError: GatewayError | undefined, attempts: Attempt[]): GatewayError {
  if (!lastError) {
    return new GatewayError(
      'no_provider_available',
      'Every target of this model is unavailable right now.',
      {
        retryable: true,
        retryAfterSeconds: 5,
      },
    );
  }
  if (!lastError.retryable) return lastError;
  const tried = attempts.filter((attempt) => attempt.outcome !== 'skipped');
  if (tried.length > 0 && tried.every((attempt) => attempt.outcome === 'timeout')) {
    return new GatewayError('upstream_timeout', 'No provider sent a first token in time.', {
      retryable: true,
    });
  }
  return new GatewayError('upstream_error', `Every provider failed (${tried.length} tried).`, {
    retryable: true,
    retryAfterSeconds: lastError.retryAfterSeconds,
    cause: lastError,
  });
}
