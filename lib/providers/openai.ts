import type { UpstreamEndpoint } from '@/lib/relay/protocol';
import type { ProviderAdapter } from './types';

const defaultBaseURL = 'https://api.openai.com/v1';

export const openaiAdapter: ProviderAdapter<'openai'> = {
  isConfigured: (provider) => Boolean(provider.apiKey),
  callOptions: ({ user, parallelToolCalls }) => ({
    openai: {
      ...(user ? { user } : {}),
      ...(parallelToolCalls === undefined ? {} : { parallelToolCalls }),
    },
  }),
  relay: {
    'openai-chat': (provider): UpstreamEndpoint => ({
      baseURL: (provider.baseURL ?? defaultBaseURL).replace(/\/+$/, ''),
      headers: provider.apiKey ? { authorization: `Bearer ${provider.apiKey}` } : {},
      // `max_tokens` is deprecated at OpenAI, and refused by its reasoning models.
      outputCapField: 'max_completion_tokens',
    }),
    'openai-responses': (provider): UpstreamEndpoint => ({
      baseURL: (provider.baseURL ?? defaultBaseURL).replace(/\/+$/, ''),
      headers: provider.apiKey ? { authorization: `Bearer ${provider.apiKey}` } : {},
    }),
  },
};
