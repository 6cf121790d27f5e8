import { createAnthropic } from '@ai-sdk/anthropic';
import { cacheModels } from './model-cache';
import type { ProviderAdapter } from './types';

export const anthropicAdapter: ProviderAdapter<'anthropic'> = {
  createModel: cacheModels((provider, modelId) =>
    createAnthropic({ baseURL: provider.baseURL, apiKey: provider.apiKey })(modelId),
  ),
  isConfigured: (provider) => Boolean(provider.apiKey),
  // Anthropic's names for OpenAI's `user` and `parallel_tool_calls: false`.
  callOptions: ({ user, parallelToolCalls }) => ({
    anthropic: {
      ...(user ? { metadata: { userId: user } } : {}),
      ...(parallelToolCalls === false ? { disableParallelToolUse: true } : {}),
    },
  }),
};
