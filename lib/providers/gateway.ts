import { getVercelOidcToken } from '@vercel/oidc';
import { createGateway } from 'ai';
import type { ProviderConfig } from '@/lib/config';
import { cacheModels } from './model-cache';
import type { ModelFactory, ProviderAdapter } from './types';

type GatewayConfig = Extract<ProviderConfig, { type: 'gateway' }>;

const defaultBaseURL = 'https://ai-gateway.vercel.sh/v4/ai';

/**
 * The AI Gateway serves OpenAI Chat Completions at `/v1` of its origin, beside the AI SDK
 * protocol at `/v4/ai`; a configured base URL ending in `/v<n>/ai` is mapped the same way.
 */
export function gatewayOpenAIBaseURL(baseURL = defaultBaseURL): string {
  const trimmed = baseURL.replace(/\/+$/, '');
  return /\/v\d+\/ai$/.test(trimmed) ? trimmed.replace(/\/v\d+\/ai$/, '/v1') : `${trimmed}/v1`;
}

/** The gateway's credentials: the configured key, or this request's OIDC token. */
async function authHeaders(provider: GatewayConfig): Promise<Record<string, string>> {
  if (provider.apiKey) {
    return { authorization: `Bearer ${provider.apiKey}`, 'ai-gateway-auth-method': 'api-key' };
  }
  const token = await getVercelOidcToken();
  return { authorization: `Bearer ${token}`, 'ai-gateway-auth-method': 'oidc' };
}

async function createGatewayProvider(provider: GatewayConfig) {
  if (provider.apiKey) return createGateway({ baseURL: provider.baseURL, apiKey: provider.apiKey });
  // The gateway package's own OIDC lookup yields an empty token on the Edge runtime, so the
  // token is resolved here, per request, by the @vercel/oidc build that supports the Edge.
  const token = await getVercelOidcToken();
  return createGateway({
    baseURL: provider.baseURL,
    apiKey: token,
    headers: { 'ai-gateway-auth-method': 'oidc' },
  });
}

/** With a configured key the model is built once; an OIDC token can change from one request to the next. */
const modelWithKey = cacheModels((provider: GatewayConfig, modelId: string) =>
  createGateway({ baseURL: provider.baseURL, apiKey: provider.apiKey })(modelId),
);

/** The gateway prices in USD per token, as decimal strings; ours are per million tokens. */
function perMillion(price: string | undefined): number | undefined {
  if (price === undefined) return undefined;
  return Math.round(Number(price) * 1e12) / 1e6;
}

export const createGatewayModel: ModelFactory<'gateway'> = async (provider, modelId) => {
  if (provider.apiKey) return modelWithKey(provider, modelId);
  return (await createGatewayProvider(provider))(modelId);
};

export const gatewayAdapter: ProviderAdapter<'gateway'> = {
  isConfigured: () => true,
  relay: {
    'openai-chat': async (provider, { model }) => ({
      baseURL: gatewayOpenAIBaseURL(provider.baseURL),
      headers: await authHeaders(provider),
      outputCapField: 'max_tokens',
      // The gateway's routing options travel in the body, as on its AI SDK protocol.
      bodyOptions: model.gateway ? { providerOptions: { gateway: model.gateway } } : undefined,
    }),
    // Its Anthropic Messages (`/v1/messages`) and Responses (`/v1/responses`) endpoints.
    'anthropic-messages': async (provider, { model }) => ({
      baseURL: gatewayOpenAIBaseURL(provider.baseURL),
      headers: await authHeaders(provider),
      bodyOptions: model.gateway ? { providerOptions: { gateway: model.gateway } } : undefined,
    }),
    'openai-responses': async (provider, { model }) => ({
      baseURL: gatewayOpenAIBaseURL(provider.baseURL),
      headers: await authHeaders(provider),
      bodyOptions: model.gateway ? { providerOptions: { gateway: model.gateway } } : undefined,
    }),
  },
  // The AI Gateway's own routing (order, only, models, tags) passes through; `user` is the caller.
  callOptions: ({ model, user }) => ({ gateway: { ...model.gateway, ...(user ? { user } : {}) } }),
  async listModels(provider) {
    const { models } = await (await createGatewayProvider(provider)).getAvailableModels();
    return models
      .filter((model) => (model.modelType ?? 'language') === 'language')
      .map((model) => ({
        id: model.id,
        name: model.name,
        pricing: model.pricing
          ? {
              inputPerMTok: perMillion(model.pricing.input) ?? 0,
              outputPerMTok: perMillion(model.pricing.output) ?? 0,
              cacheReadPerMTok: perMillion(model.pricing.cachedInputTokens),
              cacheWritePerMTok: perMillion(model.pricing.cacheCreationInputTokens),
            }
          : undefined,
      }));
  },
};
