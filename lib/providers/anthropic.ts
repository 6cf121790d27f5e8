import { createAnthropic } from '@ai-sdk/anthropic';
import { cacheModels } from './model-cache';
import type { ProviderAdapter } from './types';

export const anthropicAdapter: ProviderAdapter<'anthropic'> = {
  createModel: cacheModels((provider, modelId) =>
    createAnthropic({ baseURL: provider.baseURL, apiKey: provider.apiKey })(modelId),
  ),
  isConfigured: (provider) => Boolean(provider.apiKey),
};
