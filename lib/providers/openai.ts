import { createOpenAI } from '@ai-sdk/openai';
import { cacheModels } from './model-cache';
import type { ProviderAdapter } from './types';

export const openaiAdapter: ProviderAdapter<'openai'> = {
  createModel: cacheModels((provider, modelId) =>
    createOpenAI({ baseURL: provider.baseURL, apiKey: provider.apiKey }).chat(modelId),
  ),
  isConfigured: (provider) => Boolean(provider.apiKey),
};
