import type { LanguageModelV4 } from '@ai-sdk/provider';

/**
 * Builds each model once per configured provider and upstream model id. Building an AI SDK model
 * compiles its response schemas (zod), which cost about 2 ms of CPU a request when redone each
 * time; a built model holds no per-request state. Keyed by the provider's config object, which
 * the parsed config keeps for the life of the process.
 */
export function cacheModels<Provider extends object>(
  build: (provider: Provider, modelId: string) => LanguageModelV4,
): (provider: Provider, modelId: string) => LanguageModelV4 {
  const byProvider = new WeakMap<Provider, Map<string, LanguageModelV4>>();
  return (provider, modelId) => {
    let models = byProvider.get(provider);
    if (!models) {
      models = new Map();
      byProvider.set(provider, models);
    }
    let model = models.get(modelId);
    if (!model) {
      model = build(provider, modelId);
      models.set(modelId, model);
    }
    return model;
  };
}
