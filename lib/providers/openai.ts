import { createOpenAI } from '@ai-sdk/openai';
import type { ProviderAdapter } from './types';

export const openaiAdapter: ProviderAdapter<'openai'> = {
  createModel: (provider, modelId) =>
    createOpenAI({ baseURL: provider.baseURL, apiKey: provider.apiKey }).chat(modelId),
  isConfigured: (provider) => Boolean(provider.apiKey),
};
