import { createAnthropic } from '@ai-sdk/anthropic';
import { createOpenAI } from '@ai-sdk/openai';
import { createOpenAICompatible } from '@ai-sdk/openai-compatible';
import type { LanguageModelV4 } from '@ai-sdk/provider';
import type { ProviderConfig, ProviderType } from '@/lib/config';
import { createDemoModel } from './demo/demo-model';
import { createGatewayModel } from './gateway';
import { cacheModels } from './model-cache';
import type { ModelFactory } from './types';

// OpenAI-style servers take http(s) image URLs themselves; without saying so the AI SDK would
// download every URL a client sent, from inside the gateway.
const imageUrls = { 'image/*': [/^https?:\/\/.*$/] };

export type ModelFactories = { [Type in ProviderType]: ModelFactory<Type> };

/** Default pause between demo tokens: about 50 tokens a second, like a fast hosted model. */
export const defaultDemoTokenDelayMs = 20;

/**
 * The only place provider types meet their SDKs. Only the chat routes import this file: the
 * SDKs and the demo model's tokenizer stay out of every other Edge function.
 */
export const modelFactories = {
  gateway: createGatewayModel,
  openai: cacheModels((provider, modelId) =>
    createOpenAI({ baseURL: provider.baseURL, apiKey: provider.apiKey }).chat(modelId),
  ),
  anthropic: cacheModels((provider, modelId) =>
    createAnthropic({ baseURL: provider.baseURL, apiKey: provider.apiKey })(modelId),
  ),
  'openai-compatible': cacheModels((provider, modelId) =>
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
  demo: (provider, modelId) =>
    createDemoModel({
      modelId,
      // `demo/instant` exists for benchmarks and tests that want no pacing at all.
      tokenDelayMs: modelId === 'instant' ? 0 : (provider.tokenDelayMs ?? defaultDemoTokenDelayMs),
    }),
} satisfies ModelFactories;

export function createLanguageModel(
  provider: ProviderConfig,
  modelId: string,
  factories: ModelFactories = modelFactories,
): LanguageModelV4 | Promise<LanguageModelV4> {
  // TypeScript cannot pair a union-typed config with the matching factory; this is the one cast.
  return (factories[provider.type] as ModelFactory)(provider, modelId);
}
