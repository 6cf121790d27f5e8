import type { Usage } from '@/lib/chat/types';
import { GatewayError } from '@/lib/errors';
import type { TapSummary } from './protocol';

/** A JSON object as a provider sent it: every field still to be checked. */
export type Json = Record<string, unknown>;

export const isObject = (value: unknown): value is Json =>
  typeof value === 'object' && value !== null && !Array.isArray(value);

/** A client field that is there (JSON `null` counts as absent). */
export const isSet = (value: unknown) => value !== undefined && value !== null;

/** A count as sent, or undefined when it is not a finite number. */
export const finiteCount = (value: unknown): number | undefined =>
  typeof value === 'number' && Number.isFinite(value) ? value : undefined;

/** A count as sent, 0 when it is missing. */
export const count = (value: unknown): number => finiteCount(value) ?? 0;

/** One event's data as an object, or undefined when it is not a JSON object. */
export function parse(data: string): Json | undefined {
  try {
    const value: unknown = JSON.parse(data);
    return isObject(value) ? value : undefined;
  } catch {
    return undefined;
  }
}

/** The field names of an OpenAI-family `usage` object (Chat Completions and Responses). */
interface UsageFields {
  input: string;
  output: string;
  details: string;
}

/** An OpenAI-family `usage` object as ours (its input count includes cached tokens). */
export function openAIUsage(usage: unknown, fields: UsageFields): Usage | undefined {
  if (!isObject(usage)) return undefined;
  const inputTokens = count(usage[fields.input]);
  const outputTokens = count(usage[fields.output]);
  const details = usage[fields.details];
  return {
    inputTokens,
    outputTokens,
    cacheReadTokens: count(isObject(details) ? details.cached_tokens : undefined),
    cacheWriteTokens: 0,
    totalTokens: inputTokens + outputTokens,
  };
}

// The provider's own error event reaches the client as it was sent; this is for the record.
export const streamError = (cause: unknown) =>
  new GatewayError('upstream_error', 'The provider sent an error in the stream.', { cause });

/** A tap's summary before any event arrived. */
export const emptySummary = (): TapSummary => ({
  complete: false,
  usage: undefined,
  finishReason: undefined,
  error: undefined,
});
