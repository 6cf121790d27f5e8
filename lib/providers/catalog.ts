import { type Config, catalogIdOf, type ModelConfig, type Pricing } from '@/lib/config';
import { GatewayError } from '@/lib/errors';
import {
  type CircuitBreaker,
  circuitKeyOf,
  closedCircuits,
  getCircuits,
} from '@/lib/routing/circuit';
import { getRedis } from '@/lib/store/redis';
import {
  isProviderConfigured,
  listProviderModels,
  type ProviderAdapters,
  providerAdapters,
} from './registry';
import type { ListedModel } from './types';

export interface CatalogEntry {
  id: string;
  name: string;
  /** The provider of the first target: who serves the model when nothing fails. */
  provider: string;
  contextWindow: number | null;
  maxOutputTokens: number | null;
  /** Null when the price is unknown: such a model is refused to plans with a dollar budget. */
  pricing: Pricing | null;
  available: boolean;
}

export interface ResolvedModel {
  id: string;
  config: ModelConfig;
}

export interface Catalog {
  list(): Promise<CatalogEntry[]>;
  /** The model a request names (or the default), with its targets; 404 when unknown. */
  resolve(modelId: string | undefined): Promise<ResolvedModel>;
}

export interface CatalogOptions {
  config: Config;
  /** Marks a model unavailable while every target's circuit is open. Default: all closed. */
  circuits?: Pick<CircuitBreaker, 'peek'>;
  adapters?: ProviderAdapters;
  /** How long a provider's published list is reused. Default: 5 minutes. */
  ttlMs?: number;
  now?: () => number;
}

interface CachedList {
  models: ListedModel[];
  fetchedAt: number;
}

export function createCatalog({
  config,
  adapters = providerAdapters,
  circuits = closedCircuits,
  ttlMs = 5 * 60_000,
  now = Date.now,
}: CatalogOptions): Catalog {
  const cache = new Map<string, CachedList>();
  const inFlight = new Map<string, Promise<ListedModel[]>>();

  /** A provider's list: cached, fetched once however many requests ask at the same time. */
  function publishedModels(providerId: string): Promise<ListedModel[]> {
    const cached = cache.get(providerId);
    if (cached && now() - cached.fetchedAt < ttlMs) return Promise.resolve(cached.models);
    const pending = inFlight.get(providerId);
    if (pending) return pending;
    const provider = config.providers[providerId];
    const listing = provider && listProviderModels(provider, adapters);
    if (!listing) return Promise.resolve([]);
    const request = listing
      .then((models) => {
        cache.set(providerId, { models, fetchedAt: now() });
        return models;
      })
      // A provider whose list cannot be fetched serves the last list it gave, or none.
      .catch(() => cached?.models ?? [])
      .finally(() => inFlight.delete(providerId));
    inFlight.set(providerId, request);
    return request;
  }

  const listingProviders = () =>
    Object.entries(config.providers)
      .filter(([, provider]) => adapters[provider.type].listModels)
      .map(([id]) => id);

  async function publishedEntries(): Promise<Array<{ providerId: string; model: ListedModel }>> {
    const lists = await Promise.all(
      listingProviders().map(async (providerId) =>
        (await publishedModels(providerId)).map((model) => ({ providerId, model })),
      ),
    );
    return lists.flat();
  }

  function asModelConfig(providerId: string, model: ListedModel): ModelConfig {
    return {
      name: model.name,
      targets: [{ provider: providerId, model: model.id }],
      pricing: model.pricing,
    };
  }

  function isAvailable(model: ModelConfig, openTargets: Set<string>): boolean {
    return model.targets.some((target) => {
      const provider = config.providers[target.provider];
      return (
        provider !== undefined &&
        isProviderConfigured(provider, adapters) &&
        !openTargets.has(circuitKeyOf(target))
      );
    });
  }

  async function findOpenTargets(models: ModelConfig[]): Promise<Set<string>> {
    const keys = [
      ...new Set(models.flatMap((model) => model.targets.map((target) => circuitKeyOf(target)))),
    ];
    const states = await circuits.peek(keys).catch(() => keys.map(() => 'closed' as const));
    return new Set(keys.filter((_, index) => states[index] === 'open'));
  }

  function toEntry(id: string, model: ModelConfig, openTargets: Set<string>): CatalogEntry {
    return {
      id,
      name: model.name ?? id,
      provider: model.targets[0]?.provider ?? 'none',
      contextWindow: model.contextWindow ?? null,
      maxOutputTokens: model.maxOutputTokens ?? null,
      pricing: model.pricing ?? null,
      available: isAvailable(model, openTargets),
    };
  }

  return {
    async list() {
      const models = new Map<string, ModelConfig>();
      for (const { providerId, model } of await publishedEntries()) {
        models.set(model.id, asModelConfig(providerId, model));
      }
      // Configured models win over published ones of the same id: they carry the routing.
      for (const [id, model] of Object.entries(config.models)) models.set(id, model);
      const openTargets = await findOpenTargets([...models.values()]);
      const entries = new Map<string, CatalogEntry>();
      for (const [id, model] of models) entries.set(id, toEntry(id, model, openTargets));
      return [...entries.values()].sort((a, b) => a.id.localeCompare(b.id));
    },

    async resolve(modelId) {
      // An alias names a catalog model under another id (an agent's default model id).
      const id = catalogIdOf(config, modelId);
      const configured = config.models[id];
      if (configured) return { id, config: configured };
      const published = (await publishedEntries()).find((entry) => entry.model.id === id);
      if (published) return { id, config: asModelConfig(published.providerId, published.model) };
      throw new GatewayError('model_not_found', `The model "${id}" does not exist.`, {
        param: 'model',
      });
    },
  };
}

let shared: { config: Config; catalog: Catalog } | undefined;

/** The process-wide catalog, so the published lists are cached across requests. */
export function getCatalog(config: Config): Catalog {
  if (shared?.config !== config) {
    const circuits = getCircuits(getRedis(config), config.routing);
    shared = { config, catalog: createCatalog({ config, circuits }) };
  }
  return shared.catalog;
}
