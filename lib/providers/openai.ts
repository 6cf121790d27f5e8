import type { ProviderAdapter } from './types';

export const openaiAdapter: ProviderAdapter<'openai'> = {
  isConfigured: (provider) => Boolean(provider.apiKey),
};
