import { z } from 'zod';

const positiveInt = z.number().int().positive();

/** A Standard Webhooks secret: `whsec_` and the base64 of at least 24 random bytes. */
const webhookSecret = z
  .string()
  .regex(
    /^whsec_(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/,
    'must be "whsec_" followed by base64',
  )
  .refine((secret) => secret.length >= 'whsec_'.length + 32, 'must hold at least 24 bytes');

/** How a failed delivery is tried again: after `initialBackoffMs`, doubling up to `maxBackoffMs`. */
export const alertRetrySchema = z.strictObject({
  /** Attempts in all, the first included, before the delivery is marked failed. Default: 10. */
  maxAttempts: z.number().int().min(1).max(50).optional(),
  /** Wait before the second attempt. Default: 1000 ms. */
  initialBackoffMs: positiveInt.optional(),
  /** Longest wait between two attempts. Default: 3600000 ms (one hour). */
  maxBackoffMs: positiveInt.optional(),
});

/**
 * Spend alerts of a plan (or a key's own limits): a webhook told once per period when the usage
 * of a budget (tokensPerDay, tokensPerMonth, spendPerDayUsd, spendPerMonthUsd) reaches each
 * threshold. Only the operator sets the URL (config, admin); no client request ever names one.
 */
export const alertsSchema = z.strictObject({
  /** Where deliveries are POSTed (Standard Webhooks). */
  webhookUrl: z.url({ protocol: /^https?$/ }),
  /** Signs each delivery: `whsec_` + base64, as Standard Webhooks libraries expect. */
  secret: webhookSecret,
  /** Percent of each budget. Default: [50, 75, 100]. */
  thresholds: z
    .array(z.number().int().min(1).max(1000))
    .min(1)
    .max(10)
    .refine((list) => new Set(list).size === list.length, 'must not repeat a threshold')
    .optional(),
  retry: alertRetrySchema.optional(),
});

export type AlertsConfig = z.infer<typeof alertsSchema>;

export const defaultThresholds = [50, 75, 100] as const;

export const defaultRetry = {
  maxAttempts: 10,
  initialBackoffMs: 1_000,
  maxBackoffMs: 3_600_000,
} as const satisfies Required<z.infer<typeof alertRetrySchema>>;
