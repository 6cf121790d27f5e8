import { isModelAllowed } from '@/lib/auth/key-policy';
import { type Config, getConfig, type Pricing } from '@/lib/config';
import { type Catalog, getCatalog } from '@/lib/providers/catalog';
import { type ModelFactories, modelFactories } from '@/lib/providers/models';
import { type ProviderAdapters, providerAdapters, relayEndpointOf } from '@/lib/providers/registry';
import { type RelayedAnswer, type RelayStart, relayAttempt } from '@/lib/relay/attempt';
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
import type { MeteredStream } from './meter';
import { translatedAttempt } from './translated-attempt';
import type { ChatOutcome, ChatRequest } from './types';
import { countedUsage } from './usage';

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
): Promise<ChatRun | RelayedRun> {
  const resolved = await catalog.resolve(request.model);
  let candidates = await listCandidates(resolved, { config, catalog });
  // A key restricted to some models is never served by a fallback outside them (the model it
  // asked for was checked before: lib/chat/serve-chat.ts).
  if (accounting?.identity.allowedModels) {
    const { identity } = accounting;
    candidates = candidates.filter((candidate) => isModelAllowed(identity, candidate.modelId));
  }
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
    // A relayed non-streaming call sends nothing until its answer is whole (a reasoning model's
    // can take well over the first-token timeout), so it has until the deadline; a hang is
    // then caught by the deadline instead.
    firstTokenTimeoutMs:
      relay && !relay.protocol.isStreaming(relay.body) && candidates.every(relayEndpoint)
        ? config.routing.requestTimeoutMs
        : config.routing.firstTokenTimeoutMs,
    defer,
  };
  const caller = accounting?.identity.userId;
  const startedAt = now();
  const routed = await route<MeteredStream | RelayStart>(
    candidates,
    async ({ candidate, signal: attemptSignal }) => {
      const cap = Math.min(maxOutputTokens, candidate.model.maxOutputTokens ?? maxOutputTokens);
      const endpoint = relayEndpoint(candidate);
      if (relay && endpoint) {
        return relayAttempt({
          source: relay,
          endpoint: await endpoint({ model: candidate.model }),
          owned: { upstreamModel: candidate.target.model, maxOutputTokens: cap, user: caller },
          inputTokenEstimate,
          attemptSignal,
          signal,
          answerTimeoutMs: Math.max(1, startedAt + config.routing.requestTimeoutMs - now()),
          now,
        });
      }
      return translatedAttempt(candidate, {
        request,
        signal,
        attemptSignal,
        maxOutputTokens: cap,
        inputTokenEstimate,
        adapters,
        models,
        user: request.user ?? caller,
        now,
      });
    },
    routerDependencies,
    {
      signal,
      circuitStates,
      onFailure: (attempts) => {
        if (!accounting) return;
        const abandoned = abandonedCall(attempts, candidates, relay, inputTokenEstimate);
        const charged = abandoned?.candidate ?? (candidates[0] as Candidate);
        defer(
          accounting.settle({
            model: charged.modelId,
            provider: charged.target.provider,
            pricing: charged.model.pricing,
            attempts,
            outcome: abandoned?.outcome,
          }),
        );
      },
    },
  );
  const { result, candidate, attempts } = routed;
  // A relayed non-streaming answer is read whole here, after routing: nothing was sent yet.
  const answer: MeteredStream | RelayedAnswer =
    'complete' in result ? await result.complete() : result;
  const served = {
    model: candidate.modelId,
    provider: candidate.target.provider,
    pricing: candidate.model.pricing,
  };
  if (accounting) {
    defer(answer.outcome.then((outcome) => accounting.settle({ ...served, outcome, attempts })));
  }
  return { id: `chat-${crypto.randomUUID()}`, ...served, inputTokenEstimate, attempts, ...answer };
}

/**
 * A relayed non-streaming call the client left before it answered: the provider may well have
 * generated the whole answer (it sends nothing until then), so its input estimate is billed.
 */
function abandonedCall(
  attempts: Attempt[],
  candidates: Candidate[],
  relay: ChatRequest['relay'],
  inputTokenEstimate: number,
): { candidate: Candidate; outcome: ChatOutcome } | undefined {
  const last = attempts.at(-1);
  if (!relay || relay.protocol.isStreaming(relay.body) || last?.outcome !== 'aborted') return;
  const candidate = candidates.find(
    (entry) => entry.modelId === last.model && entry.target.provider === last.provider,
  );
  if (!candidate) return;
  return {
    candidate,
    outcome: {
      ending: 'aborted',
      usage: countedUsage(inputTokenEstimate, 0),
      usageSource: 'counted',
      finishReason: undefined,
      text: '',
      timeToFirstTokenMs: undefined,
    },
  };
}
