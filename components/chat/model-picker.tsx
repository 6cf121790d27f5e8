'use client';

import { useId } from 'react';
import { formatPricePerMTok } from '@/components/ui/format';
import styles from './chat.module.css';

/** One entry of `GET /api/models`. */
export interface CatalogModel {
  id: string;
  name: string;
  provider: string;
  pricing: { inputPerMTok: number; outputPerMTok: number } | null;
  available: boolean;
}

export interface ModelCatalog {
  defaultModel: string;
  models: CatalogModel[];
}

function describePrice(model: CatalogModel): string {
  if (!model.pricing) return 'price unknown';
  const { inputPerMTok, outputPerMTok } = model.pricing;
  return `${formatPricePerMTok(inputPerMTok)} in, ${formatPricePerMTok(outputPerMTok)} out`;
}

export function ModelPicker({
  catalog,
  value,
  onChange,
  disabled,
}: {
  catalog: ModelCatalog | undefined;
  value: string | undefined;
  onChange: (modelId: string) => void;
  disabled?: boolean;
}) {
  const selectId = useId();
  const selected = catalog?.models.find((model) => model.id === value);
  return (
    <div className={styles.modelPicker}>
      <label htmlFor={selectId}>Model</label>
      <select
        id={selectId}
        value={value ?? ''}
        onChange={(event) => onChange(event.target.value)}
        disabled={disabled || !catalog}
      >
        {catalog ? null : <option value="">Loading models…</option>}
        {catalog?.models.map((model) => (
          <option key={model.id} value={model.id}>
            {model.name} · {model.provider}
            {model.available ? '' : ' (unavailable)'}
          </option>
        ))}
      </select>
      {selected ? (
        <span className={styles.modelDetails} data-testid="model-details">
          {selected.provider} · {describePrice(selected)}
          {selected.available ? null : (
            <strong className={styles.unavailable}> · unavailable now</strong>
          )}
        </span>
      ) : null}
    </div>
  );
}
