import type { LanguageModelV4 } from '@ai-sdk/provider';
import type { ProviderConfig, ProviderType } from '@/lib/config';
import { anthropicAdapter } from './anthropic';
import { demoAdapter } from './demo';
import { gatewayAdapter } from './gateway';
import { openaiAdapter } from './openai';
import { openaiCompatibleAdapter } from './openai-compatible';
import type { ProviderAdapter } from './types';

export type ProviderAdapters = { [Type in ProviderType]: ProviderAdapter<Type> };

/** The only place provider types meet their adapters. */
export const providerAdapters = {
  gateway: gatewayAdapter,
  openai: openaiAdapter,
  anthropic: anthropicAdapter,
  'openai-compatible': openaiCompatibleAdapter,
  demo: demoAdapter,
} satisfies ProviderAdapters;

function adapterFor<Type extends ProviderType>(
  provider: Extract<ProviderConfig, { type: Type }>,
  adapters: ProviderAdapters,
): ProviderAdapter<Type> {
  return adapters[provider.type as Type] as ProviderAdapter<Type>;
}

export function createLanguageModel(
  provider: ProviderConfig,
  modelId: string,
  adapters: ProviderAdapters = providerAdapters,
): LanguageModelV4 | Promise<LanguageModelV4> {
  return adapterFor(provider, adapters).createModel(provider, modelId);
}

export function isProviderConfigured(
  provider: ProviderConfig,
  adapters: ProviderAdapters = providerAdapters,
): boolean {
  return adapterFor(provider, adapters).isConfigured(provider);
}
