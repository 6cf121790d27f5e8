import { type AnthropicKnobs, answerMessages } from './anthropic-upstream';
import {
  beginAnswer,
  defaultUpstreamBehavior,
  type Exchange,
  type HttpDouble,
  isRecord,
  type PlannedAnswer,
  type PlannedUsage,
  planAnswer,
  sendCompletion,
  sendJson,
  startHttpDouble,
  streamSse,
  type UpstreamBehavior,
} from './http-double';
import { answerResponses } from './openai-responses';
import { answerChatCompletion } from './openai-upstream';

export type { RecordedRequest, ToolCallBehavior, UpstreamBehavior } from './http-double';
export { closedPortUrl, contentChunk, contentText } from './http-double';

/** Prices in USD per token, as decimal strings, the way the AI Gateway's `/config` sends them. */
export interface GatewayPricing {
  input: string;
  output: string;
  input_cache_read?: string;
  input_cache_write?: string;
}

/** One entry of `GET /config`. */
export interface GatewayModel {
  /** `creator/model`. */
  id: string;
  /** Default: the id. */
  name?: string;
  description?: string;
  /** Default: no pricing (`null`). */
  pricing?: GatewayPricing;
  /** Default `language`. */
  modelType?: string;
}

export interface GatewayBehavior extends UpstreamBehavior, AnthropicKnobs {
  /** Served by `GET /config`, and the prices behind `providerMetadata.gateway.cost`. */
  models: GatewayModel[];
}

export const defaultGatewayModels: GatewayModel[] = [
  {
    id: 'openai/gpt-5.4',
    name: 'GPT-5.4',
    pricing: { input: '0.0000025', output: '0.000015', input_cache_read: '0.00000025' },
  },
  {
    id: 'anthropic/claude-sonnet-4.6',
    name: 'Claude Sonnet 4.6',
    pricing: {
      input: '0.000003',
      output: '0.000015',
      input_cache_read: '0.0000003',
      input_cache_write: '0.00000375',
    },
  },
];

/** A Vercel AI Gateway; `baseURL` (`http://127.0.0.1:PORT/v4/ai`) goes to `createGateway`. */
export type GatewayUpstream = HttpDouble<GatewayBehavior>;

export function startGatewayUpstream(
  options: Partial<GatewayBehavior> = {},
): Promise<GatewayUpstream> {
  return startHttpDouble<GatewayBehavior>({
    basePath: '/v4/ai',
    behavior: { ...defaultUpstreamBehavior, models: defaultGatewayModels, ...options },
    routes: {
      'POST /language-model': answerLanguageModel,
      'GET /config': listModels,
    },
    // The AI Gateway serves OpenAI Chat Completions at /v1 beside its AI SDK protocol.
    // And Anthropic Messages and OpenAI Responses there too.
    absoluteRoutes: {
      'POST /v1/chat/completions': answerChatCompletion,
      'POST /v1/messages': answerMessages,
      'POST /v1/responses': answerResponses,
    },
    notFoundBody: (path) => gatewayError(`No route for ${path}.`, 'not_found'),
  });
}

function listModels(exchange: Exchange<GatewayBehavior>): void {
  sendJson(exchange, 200, {
    models: exchange.behavior.models.map((model) => ({
      id: model.id,
      name: model.name ?? model.id,
      description: model.description ?? null,
      pricing: model.pricing ?? null,
      specification: {
        specificationVersion: 'v4',
        provider: model.id.split('/')[0] ?? model.id,
        modelId: model.id,
      },
      modelType: model.modelType ?? 'language',
    })),
  });
}

async function answerLanguageModel(exchange: Exchange<GatewayBehavior>): Promise<void> {
  const { record, behavior } = exchange;
  const modelId = record.headers['ai-language-model-id'];
  const { body, index } = record;
  if (typeof modelId !== 'string' || !isRecord(body) || !Array.isArray(body.prompt)) {
    sendJson(
      exchange,
      400,
      gatewayError('Needs the ai-language-model-id header and a prompt.', 'invalid_request_error'),
    );
    return;
  }
  if (!(await beginAnswer(exchange, defaultGatewayErrorBody))) return;

  const lastMessage: unknown = body.prompt.at(-1);
  const { answer, usage } = planAnswer(behavior, {
    index,
    maxOutputTokens: typeof body.maxOutputTokens === 'number' ? body.maxOutputTokens : undefined,
    lastRole:
      isRecord(lastMessage) && typeof lastMessage.role === 'string' ? lastMessage.role : undefined,
  });
  const generationId = `gen_double_${index}`;
  const finishReason = finishReasonOf(answer);
  const usageBody = usageOf(usage);
  const providerMetadata = {
    gateway: {
      generationId,
      routing: {
        originalModelId: modelId,
        resolvedProvider: modelId.split('/')[0],
        finalProvider: modelId.split('/')[0],
        fallbacksAvailable: [],
      },
      ...costOf(behavior.models, modelId, usage),
    },
  };

  if (record.headers['ai-language-model-streaming'] !== 'true') {
    const content =
      answer.kind === 'text'
        ? [{ type: 'text', text: answer.chunks.join('') }]
        : [
            {
              type: 'tool-call',
              toolCallId: answer.id,
              toolName: answer.name,
              input: answer.input,
            },
          ];
    const sent = answer.kind === 'text' ? answer.chunks.length : answer.inputChunks.length;
    await sendCompletion(
      exchange,
      { content, finishReason, usage: usageBody, providerMetadata, warnings: [] },
      sent,
    );
    return;
  }

  const part = (value: Record<string, unknown>) => JSON.stringify(value);
  const metadata = part({
    type: 'response-metadata',
    id: generationId,
    modelId,
    timestamp: new Date().toISOString(),
  });
  const finish = part({ type: 'finish', finishReason, usage: usageBody, providerMetadata });
  if (answer.kind === 'text') {
    const id = 'text-0';
    await streamSse(exchange, {
      lead: [metadata, part({ type: 'text-start', id })],
      chunks: answer.chunks.map((delta) => part({ type: 'text-delta', id, delta })),
      tail: [part({ type: 'text-end', id }), finish],
    });
    return;
  }
  const id = answer.id;
  await streamSse(exchange, {
    lead: [metadata, part({ type: 'tool-input-start', id, toolName: answer.name })],
    chunks: answer.inputChunks.map((delta) => part({ type: 'tool-input-delta', id, delta })),
    tail: [
      part({ type: 'tool-input-end', id }),
      part({ type: 'tool-call', toolCallId: id, toolName: answer.name, input: answer.input }),
      finish,
    ],
  });
}

function usageOf(usage: PlannedUsage) {
  return {
    inputTokens: {
      total: usage.promptTokens,
      noCache: usage.promptTokens - usage.cachedTokens,
      cacheRead: usage.cachedTokens,
      cacheWrite: 0,
    },
    outputTokens: { total: usage.completionTokens, text: usage.completionTokens, reasoning: 0 },
  };
}

function finishReasonOf(answer: PlannedAnswer) {
  if (answer.kind === 'tool-call') return { unified: 'tool-calls', raw: 'tool_calls' };
  return answer.truncated ? { unified: 'length', raw: 'length' } : { unified: 'stop', raw: 'stop' };
}

/** The gateway reports the cost of a generation as a decimal string of USD. */
function costOf(models: GatewayModel[], modelId: string, usage: PlannedUsage): { cost?: string } {
  const pricing = models.find((model) => model.id === modelId)?.pricing;
  if (pricing === undefined) return {};
  const cacheRead = Number(pricing.input_cache_read ?? pricing.input);
  const dollars =
    (usage.promptTokens - usage.cachedTokens) * Number(pricing.input) +
    usage.cachedTokens * cacheRead +
    usage.completionTokens * Number(pricing.output);
  return { cost: dollars.toFixed(12).replace(/\.?0+$/, '') };
}

function gatewayError(message: string, type: string, param?: unknown) {
  return { error: { message, type, ...(param === undefined ? {} : { param }) } };
}

function defaultGatewayErrorBody(status: number): unknown {
  switch (status) {
    case 400:
      return gatewayError('Invalid request (test double).', 'invalid_request_error');
    case 401:
      return gatewayError('Invalid API key (test double).', 'authentication_error');
    case 403:
      return gatewayError('Forbidden (test double).', 'forbidden');
    case 404:
      return gatewayError('Model not found (test double).', 'model_not_found');
    case 429:
      return gatewayError('Rate limit exceeded (test double).', 'rate_limit_exceeded');
    default:
      return gatewayError(
        `Gateway answered ${status} (test double).`,
        status >= 500 ? 'internal_server_error' : 'invalid_request_error',
      );
  }
}
