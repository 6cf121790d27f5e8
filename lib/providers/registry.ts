import type { ModelConfig, ProviderConfig, ProviderType } from '@/lib/config';
import type { RelayProtocolId, UpstreamEndpoint } from '@/lib/relay/protocol';
import { anthropicAdapter } from './anthropic';
import { demoAdapter } from './demo';
import { gatewayAdapter } from './gateway';
import { openaiAdapter } from './openai';
import { openaiCompatibleAdapter } from './openai-compatible';
import type { ListedModel, ProviderAdapter } from './types';

export type ProviderAdapters = { [Type in ProviderType]: ProviderAdapter<Type> };

/** The only place provider types meet their adapters (their SDK models: models.ts). */
export const providerAdapters = {
  gateway: gatewayAdapter,
  openai: openaiAdapter,
  anthropic: anthropicAdapter,
  'openai-compatible': openaiCompatibleAdapter,
  demo: demoAdapter,
} satisfies ProviderAdapters;

// TypeScript cannot pair a union-typed config with the matching adapter; this is the one cast.
function adapterFor(provider: ProviderConfig, adapters: ProviderAdapters): ProviderAdapter {
  return adapters[provider.type] as ProviderAdapter;
}

export function isProviderConfigured(
  provider: ProviderConfig,
  adapters: ProviderAdapters = providerAdapters,
): boolean {
  return adapterFor(provider, adapters).isConfigured(provider);
}

export function providerCallOptions(
  provider: ProviderConfig,
  context: Parameters<NonNullable<ProviderAdapter['callOptions']>>[0],
  adapters: ProviderAdapters = providerAdapters,
) {
  return adapterFor(provider, adapters).callOptions?.(context);
}

/** The provider's published models, or undefined when it publishes none. */
export function listProviderModels(
  provider: ProviderConfig,
  adapters: ProviderAdapters = providerAdapters,
): Promise<ListedModel[]> | undefined {
  return adapterFor(provider, adapters).listModels?.(provider);
}

/** How to reach the provider in a client's own protocol; undefined when it does not speak it. */
export function relayEndpointOf(
  provider: ProviderConfig,
  protocol: RelayProtocolId,
  adapters: ProviderAdapters = providerAdapters,
): ((context: { model: ModelConfig }) => UpstreamEndpoint | Promise<UpstreamEndpoint>) | undefined {
  const build = adapterFor(provider, adapters).relay?.[protocol];
  return build && ((context) => build(provider, context));
}
