import type { ProviderAdapter } from './types';

export const anthropicAdapter: ProviderAdapter<'anthropic'> = {
  isConfigured: (provider) => Boolean(provider.apiKey),
};
