import { GatewayError } from '@/lib/errors';
import type { Catalog, CatalogEntry } from './catalog';

/**
 * A model id from a catch-all route's segments: ids contain `/`, so `openai/gpt-5.4` arrives
 * as two segments, or as one when the client percent-encoded it (`openai%2Fgpt-5.4`).
 */
export function modelIdOfPath(segments: string | string[] | undefined): string {
  try {
    return [segments ?? []]
      .flat()
      .map((segment) => decodeURIComponent(segment))
      .join('/');
  } catch {
    throw new GatewayError('invalid_request', 'The model id in the path is not valid.', {
      param: 'model',
    });
  }
}

/** One model of the catalog by its exact id; 404 `model_not_found` otherwise. */
export async function findCatalogEntry(
  catalog: Pick<Catalog, 'list'>,
  id: string,
): Promise<CatalogEntry> {
  const model = (await catalog.list()).find((entry) => entry.id === id);
  if (model) return model;
  throw new GatewayError('model_not_found', `The model "${id}" does not exist.`, {
    param: 'model',
  });
}
