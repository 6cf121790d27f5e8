import { createOpenAICompatible } from '@ai-sdk/openai-compatible';
import { cacheModels } from './model-cache';
import type { ProviderAdapter } from './types';

export const openaiCompatibleAdapter: ProviderAdapter<'openai-compatible'> = {
  createModel: cacheModels((provider, modelId) =>
    createOpenAICompatible({
      name: 'openai-compatible',
      baseURL: provider.baseURL,
      apiKey: provider.apiKey,
      headers: provider.headers,
      // Without it a streamed answer reports no token counts and could not be billed.
      includeUsage: true,
    }).chatModel(modelId),
  ),
  isConfigured: () => true,
};
