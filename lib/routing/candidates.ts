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
 * Orders a model's targets: as configured, unless they carry weights, in which case the order is
 * drawn at random in proportion to the weights (a target without one weighs 1).
 */
export function orderTargets(targets: Target[], random: () => number = Math.random): Target[] {
  if (!targets.some((target) => target.weight !== undefined)) return targets;
  const pool = [...targets];
  const ordered: Target[] = [];
  while (pool.length > 0) {
    const total = pool.reduce((sum, target) => sum + (target.weight ?? 1), 0);
    const pick = random() * total;
    let reached = 0;
    const index = pool.findIndex((target) => {
      reached += target.weight ?? 1;
      return pick < reached;
    });
    ordered.push(...pool.splice(index === -1 ? pool.length - 1 : index, 1));
  }
  return ordered;
}

/** Every candidate for a request: the model's targets, then each fallback model's, in order. */
export async function listCandidates(
  resolved: ResolvedModel,
  { config, catalog, random }: { config: Config; catalog: Catalog; random?: () => number },
): Promise<Candidate[]> {
  const models = [resolved];
  for (const fallback of resolved.config.fallbacks ?? [])
    models.push(await catalog.resolve(fallback));
  const candidates = models.flatMap(({ id, config: model }) =>
    orderTargets(model.targets, random).flatMap((target) => {
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
