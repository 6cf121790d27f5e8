import type { CatalogEntry } from '@/lib/providers/catalog';

// OpenAI clients expect a creation time; the catalog has none, so every model gets this one.
const listedAt = Math.floor(Date.UTC(2026, 0, 1) / 1000);

/** One catalog model as OpenAI's model object. */
export function toModel(model: CatalogEntry) {
  return {
    id: model.id,
    object: 'model' as const,
    created: listedAt,
    owned_by: model.id.split('/')[0] ?? model.provider,
  };
}

/** The catalog as OpenAI's `GET /v1/models` list. */
export function toModelList(models: CatalogEntry[]) {
  return { object: 'list' as const, data: models.map(toModel) };
}
