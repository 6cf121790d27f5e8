import type { ProviderAdapter } from './types';

export const openaiCompatibleAdapter: ProviderAdapter<'openai-compatible'> = {
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
