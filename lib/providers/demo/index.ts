import type { ProviderAdapter } from '../types';
import { createDemoModel } from './demo-model';

/** Default pause between demo tokens: about 50 tokens a second, like a fast hosted model. */
export const defaultDemoTokenDelayMs = 20;

export const demoAdapter: ProviderAdapter<'demo'> = {
  createModel: (provider, modelId) =>
    createDemoModel({
      modelId,
      // `demo/instant` exists for benchmarks and tests that want no pacing at all.
      tokenDelayMs: modelId === 'instant' ? 0 : (provider.tokenDelayMs ?? defaultDemoTokenDelayMs),
    }),
  isConfigured: () => true,
};
