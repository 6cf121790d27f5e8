import type { Config, ModelConfig, Pricing, ProviderConfig, Target } from '@/lib/config';
import { GatewayError } from '@/lib/errors';
import type { Catalog, ResolvedModel } from '@/lib/providers/catalog';
import { circuitKeyOf } from './circuit';

/** One way to serve a request: a model of the catalog and one of its targets. */
export interface Candidate {
  modelId: string;
  model: ModelConfig;
  target: Target;
  provider: ProviderConfig;
  /** `provider/upstream model`: what a circuit is kept for. */
  key: string;
}

/**
 * Draws an order at random in proportion to the weights (an item without one weighs 1); keeps
 * the given order when no item has a weight.
 */
export function orderByWeight<Item>(
  items: Item[],
  weightOf: (item: Item) => number | undefined,
  random: () => number = Math.random,
): Item[] {
  if (!items.some((item) => weightOf(item) !== undefined)) return items;
  const pool = [...items];
  const ordered: Item[] = [];
  while (pool.length > 0) {
    const total = pool.reduce((sum, item) => sum + (weightOf(item) ?? 1), 0);
    const pick = random() * total;
    let reached = 0;
    const index = pool.findIndex((item) => {
      reached += weightOf(item) ?? 1;
      return pick < reached;
    });
    ordered.push(...pool.splice(index === -1 ? pool.length - 1 : index, 1));
  }
  return ordered;
}

/**
 * Every candidate for a request: the model's targets, then each fallback model's, as configured.
 * The router draws the weighted order per request.
 */
export async function listCandidates(
  resolved: ResolvedModel,
  { config, catalog }: { config: Config; catalog: Catalog },
): Promise<Candidate[]> {
  const models = [resolved];
  for (const fallback of resolved.config.fallbacks ?? [])
    models.push(await catalog.resolve(fallback));
  const candidates = models.flatMap(({ id, config: model }) =>
    model.targets.flatMap((target) => {
      const provider = config.providers[target.provider];
      return provider ? [{ modelId: id, model, target, provider, key: circuitKeyOf(target) }] : [];
    }),
  );
  if (candidates.length === 0) {
    throw new GatewayError('no_provider_available', `No provider can serve "${resolved.id}".`);
  }
  return candidates;
}

/**
 * The price a reservation assumes: the dearest of the candidates, since any of them may serve.
 * Undefined when none is priced.
 */
export function reservationPricing(candidates: Candidate[]): Pricing | undefined {
  const priced = candidates.flatMap((candidate) =>
    candidate.model.pricing ? [candidate.model.pricing] : [],
  );
  if (priced.length === 0) return undefined;
  return {
    inputPerMTok: Math.max(...priced.map((pricing) => pricing.inputPerMTok)),
    outputPerMTok: Math.max(...priced.map((pricing) => pricing.outputPerMTok)),
  };
}
