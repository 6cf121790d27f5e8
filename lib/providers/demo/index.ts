import type { ProviderAdapter } from '../types';

export const demoAdapter: ProviderAdapter<'demo'> = {
  isConfigured: () => true,
};
