import type { LanguageModelV4, SharedV4ProviderOptions } from '@ai-sdk/provider';
import type { ModelConfig, Pricing, ProviderConfig, ProviderType } from '@/lib/config';

/** A model a provider lists in its own catalog (the AI Gateway does). */
export interface ListedModel {
  id: string;
  name: string;
  pricing?: Pricing;
}

/**
 * Turns one configured provider and an upstream model id into an AI SDK model. Kept apart from
 * the adapter (lib/providers/models.ts) so routes that only describe providers (health, the
 * catalog) do not bundle the provider SDKs and the tokenizer.
 */
export type ModelFactory<Type extends ProviderType = ProviderType> = (
  provider: Extract<ProviderConfig, { type: Type }>,
  modelId: string,
) => LanguageModelV4 | Promise<LanguageModelV4>;

/** What the gateway knows about a provider type without its SDK. */
export interface ProviderAdapter<Type extends ProviderType = ProviderType> {
  /** Whether the provider has the credentials it needs; health and the catalog report this. */
  isConfigured(provider: Extract<ProviderConfig, { type: Type }>): boolean;
  /** Options for one call, from the model's config and the caller (`providerOptions`). */
  callOptions?(context: { model: ModelConfig; user: string | undefined }): SharedV4ProviderOptions;
  /** The provider's own model list, for providers that publish one. */
  listModels?(provider: Extract<ProviderConfig, { type: Type }>): Promise<ListedModel[]>;
}
