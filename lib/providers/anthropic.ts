import { createAnthropic } from '@ai-sdk/anthropic';
import type { ProviderAdapter } from './types';

export const anthropicAdapter: ProviderAdapter<'anthropic'> = {
  createModel: (provider, modelId) =>
    createAnthropic({ baseURL: provider.baseURL, apiKey: provider.apiKey })(modelId),
  isConfigured: (provider) => Boolean(provider.apiKey),
};
