import type { LanguageModelV4 } from '@ai-sdk/provider';
import type { ProviderConfig, ProviderType } from '@/lib/config';

/** Turns one configured provider and an upstream model id into an AI SDK model. */
export interface ProviderAdapter<Type extends ProviderType = ProviderType> {
  createModel(
    provider: Extract<ProviderConfig, { type: Type }>,
    modelId: string,
  ): LanguageModelV4 | Promise<LanguageModelV4>;
  /** Whether the provider has the credentials it needs; health and the catalog report this. */
  isConfigured(provider: Extract<ProviderConfig, { type: Type }>): boolean;
}
