import { createOpenAICompatible } from '@ai-sdk/openai-compatible';
import { cacheModels } from './model-cache';
import type { ProviderAdapter } from './types';

// OpenAI-style servers take http(s) image URLs themselves; without saying so the AI SDK would
// download every URL a client sent, from inside the gateway.
const imageUrls = { 'image/*': [/^https?:\/\/.*$/] };

export const openaiCompatibleAdapter: ProviderAdapter<'openai-compatible'> = {
  createModel: cacheModels((provider, modelId) =>
    createOpenAICompatible({
      name: 'openai-compatible',
      baseURL: provider.baseURL,
      apiKey: provider.apiKey,
      headers: provider.headers,
      // Without it a streamed answer reports no token counts and could not be billed.
      includeUsage: true,
      supportedUrls: () => imageUrls,
    }).chatModel(modelId),
  ),
  isConfigured: () => true,
  relay: {
    'openai-chat': (provider) => ({
      baseURL: provider.baseURL.replace(/\/+$/, ''),
      headers: {
        ...provider.headers,
        ...(provider.apiKey ? { authorization: `Bearer ${provider.apiKey}` } : {}),
      },
      // What OpenAI-style servers (vLLM, Ollama, LM Studio, OpenRouter) all read.
      outputCapField: 'max_tokens',
    }),
  },
};
