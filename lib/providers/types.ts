import type { LanguageModelV4, SharedV4ProviderOptions } from '@ai-sdk/provider';
import type { ModelConfig, Pricing, ProviderConfig, ProviderType } from '@/lib/config';
import type { RelayProtocolId, UpstreamEndpoint } from '@/lib/relay/protocol';

/** A model a provider lists in its own catalog (the AI Gateway does). */
export interface ListedModel {
  id: string;
  name: string;
  pricing?: Pricing;
}

/** What a call's provider options are made from. */
export interface CallContext {
  model: ModelConfig;
  /** The end user: the client's `user`, else the caller. */
  user: string | undefined;
  /** OpenAI's `parallel_tool_calls`, when the client set it. */
  parallelToolCalls?: boolean;
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
  callOptions?(context: CallContext): SharedV4ProviderOptions;
  /**
   * The client protocols this provider speaks natively, each with how to reach it: a request in
   * one of them is relayed as written instead of translated.
   */
  relay?: Partial<
    Record<
      RelayProtocolId,
      (
        provider: Extract<ProviderConfig, { type: Type }>,
        context: { model: ModelConfig },
      ) => UpstreamEndpoint | Promise<UpstreamEndpoint>
    >
  >;
  /** The provider's own model list, for providers that publish one. */
  listModels?(provider: Extract<ProviderConfig, { type: Type }>): Promise<ListedModel[]>;
}
