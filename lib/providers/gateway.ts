import { getVercelOidcToken } from '@vercel/oidc';
import { createGateway } from 'ai';
import type { ProviderAdapter } from './types';

export const gatewayAdapter: ProviderAdapter<'gateway'> = {
  async createModel(provider, modelId) {
    if (provider.apiKey)
      return createGateway({ baseURL: provider.baseURL, apiKey: provider.apiKey })(modelId);
    // The gateway package's own OIDC lookup yields an empty token on the Edge runtime, so the
    // token is resolved here, per request, by the @vercel/oidc build that supports the Edge.
    const token = await getVercelOidcToken();
    return createGateway({
      baseURL: provider.baseURL,
      apiKey: token,
      headers: { 'ai-gateway-auth-method': 'oidc' },
    })(modelId);
  },
  isConfigured: () => true,
};
