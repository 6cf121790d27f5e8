import type { UpstreamEndpoint } from '@/lib/relay/protocol';
import type { ProviderAdapter } from './types';

export const anthropicAdapter: ProviderAdapter<'anthropic'> = {
  isConfigured: (provider) => Boolean(provider.apiKey),
  relay: {
    'anthropic-messages': (provider): UpstreamEndpoint => ({
      baseURL: (provider.baseURL ?? 'https://api.anthropic.com/v1').replace(/\/+$/, ''),
      // The client's own `anthropic-version` and `anthropic-beta`, when sent, go on instead.
      headers: {
        ...(provider.apiKey ? { 'x-api-key': provider.apiKey } : {}),
        'anthropic-version': '2023-06-01',
      },
    }),
  },
  // Anthropic's names for OpenAI's `user` and `parallel_tool_calls: false`.
  callOptions: ({ user, parallelToolCalls }) => ({
    anthropic: {
      ...(user ? { metadata: { userId: user } } : {}),
      ...(parallelToolCalls === false ? { disableParallelToolUse: true } : {}),
    },
  }),
};
