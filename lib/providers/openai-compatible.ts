import type { ProviderAdapter } from './types';

export const openaiCompatibleAdapter: ProviderAdapter<'openai-compatible'> = {
  isConfigured: () => true,
};
