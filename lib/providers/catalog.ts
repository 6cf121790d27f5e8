import type { Config, ModelConfig } from '@/lib/config';
import { GatewayError } from '@/lib/errors';

export interface ResolvedModel {
  id: string;
  config: ModelConfig;
}

export function resolveModel(config: Config, modelId: string | undefined): ResolvedModel {
  const id = modelId ?? config.defaultModel;
  const model = config.models[id];
  if (!model) {
    throw new GatewayError('model_not_found', `The model "${id}" does not exist.`, {
      param: 'model',
    });
  }
  return { id, config: model };
}
