import { z } from 'zod';
import { alertsSchema } from '../alerts/schema';
import { tagPattern } from '../tags/tag-pattern';

const positiveInt = z.number().int().positive();
const nonNegative = z.number().nonnegative();

/** Prices in US dollars per million tokens. */
export const pricingSchema = z.strictObject({
  inputPerMTok: nonNegative,
  outputPerMTok: nonNegative,
  /** Default: `inputPerMTok`. */
  cacheReadPerMTok: nonNegative.optional(),
  /** Price of input written to the provider's prompt cache. Default: `inputPerMTok`. */
  cacheWritePerMTok: nonNegative.optional(),
});

const baseURL = z.url({ protocol: /^https?$/ });

export const providerSchema = z.discriminatedUnion('type', [
  z.strictObject({
    type: z.literal('gateway'),
    /** Default: https://ai-gateway.vercel.sh/v4/ai */
    baseURL: baseURL.optional(),
    /** Default: AI_GATEWAY_API_KEY, else the Vercel OIDC token. */
    apiKey: z.string().min(1).optional(),
  }),
  z.strictObject({
    type: z.literal('openai'),
    baseURL: baseURL.optional(),
    /** Default: OPENAI_API_KEY. */
    apiKey: z.string().min(1).optional(),
  }),
  z.strictObject({
    type: z.literal('anthropic'),
    baseURL: baseURL.optional(),
    /** Default: ANTHROPIC_API_KEY. */
    apiKey: z.string().min(1).optional(),
  }),
  z.strictObject({
    type: z.literal('openai-compatible'),
    baseURL,
    apiKey: z.string().min(1).optional(),
    headers: z.record(z.string(), z.string()).optional(),
  }),
  z.strictObject({
    type: z.literal('demo'),
    /** Pause between streamed tokens. Default: 20 ms. */
    tokenDelayMs: z.number().int().nonnegative().optional(),
  }),
]);

export const targetSchema = z.strictObject({
  /** A key of `providers`. */
  provider: z.string().min(1),
  /** The model id the provider knows. */
  model: z.string().min(1),
  /** Relative share of traffic among targets of equal rank. Default: 1. */
  weight: positiveInt.optional(),
});

/**
 * The response cache of a model or a plan (README "Response cache"). Off unless set; where both
 * a model and a plan set it, the smaller age wins, and 0 switches it off there.
 */
export const cacheSchema = z.strictObject({
  /** How old a stored answer may be when it is served (at most 30 days). */
  maxAgeSeconds: z
    .number()
    .int()
    .nonnegative()
    .max(30 * 86_400),
});

/** Bounds of the response cache's store in Redis. */
export const cacheStoreSchema = z.strictObject({
  /** A larger answer is not stored. Default: 262144 (256 KiB). */
  maxEntryBytes: positiveInt.optional(),
  /** Past this, the entries closest to expiry are evicted. Default: 33554432 (32 MiB). */
  maxTotalBytes: positiveInt.optional(),
});

const modelId = z.string().regex(/^[^/\s]+\/[^\s]+$/, 'must look like "creator/model"');

export const modelSchema = z.strictObject({
  name: z.string().min(1).optional(),
  targets: z.array(targetSchema).min(1),
  /** Models tried, in order, after every target failed. Default: none. */
  fallbacks: z.array(modelId).optional(),
  /** Without a price the model is refused to plans with a dollar budget. */
  pricing: pricingSchema.optional(),
  contextWindow: positiveInt.optional(),
  maxOutputTokens: positiveInt.optional(),
  /** Passed through as `providerOptions.gateway` to `gateway` targets. */
  gateway: z
    .strictObject({
      order: z.array(z.string()).optional(),
      only: z.array(z.string()).optional(),
      models: z.array(z.string()).optional(),
      tags: z.array(z.string()).optional(),
    })
    .optional(),
  /** Serve identical requests from the response cache. Default: off. */
  cache: cacheSchema.optional(),
});

/** Every limit is optional; an absent limit is unlimited. */
export const planSchema = z.strictObject({
  requestsPerMinute: positiveInt.optional(),
  requestsPerDay: positiveInt.optional(),
  concurrentRequests: positiveInt.optional(),
  tokensPerDay: positiveInt.optional(),
  tokensPerMonth: positiveInt.optional(),
  spendPerDayUsd: z.number().positive().optional(),
  spendPerMonthUsd: z.number().positive().optional(),
  /** Holders may call the admin endpoints. Default: false. */
  admin: z.boolean().optional(),
  /** Admit requests when Redis is unreachable instead of failing closed. Default: false. */
  failOpen: z.boolean().optional(),
  /** Tag keys (`feature`) or whole tags (`env:prod`) every request must carry. Default: none. */
  requiredTags: z.array(z.string().regex(tagPattern, 'must be a tag key or a tag')).optional(),
  /** Spend alerts: a signed webhook at thresholds of each budget (README "Alerts"). Default: none. */
  alerts: alertsSchema.optional(),
  /** Serve identical requests from the response cache. Default: off. */
  cache: cacheSchema.optional(),
});

export const routingSchema = z.strictObject({
  /** A target that sends no first token within this is abandoned for the next. Default: 15000. */
  firstTokenTimeoutMs: positiveInt.optional(),
  /** No request spends longer than this looking for a target that answers. Default: 24000 (Vercel's Edge runtime must begin a response within 25 s). */
  requestTimeoutMs: positiveInt.optional(),
  /** Failures within `circuitWindowMs` that open a target's circuit. Default: 5. */
  circuitFailureThreshold: positiveInt.optional(),
  /** Default: 30000. */
  circuitWindowMs: positiveInt.optional(),
  /** How long an open circuit skips its target before one probe is let through. Default: 30000. */
  circuitCooldownMs: positiveInt.optional(),
});

/** The rate and budget limits of a bucket that is not a user's own (guests' shared bounds). */
export const sharedLimitsSchema = planSchema.pick({
  requestsPerMinute: true,
  requestsPerDay: true,
  concurrentRequests: true,
  tokensPerDay: true,
  tokensPerMonth: true,
  spendPerDayUsd: true,
  spendPerMonthUsd: true,
});

/**
 * Bounds on anonymous use that a new guest cookie does not reset. A client's address is the
 * first entry of `x-forwarded-for` (Vercel sets it to the client's address), else `x-real-ip`.
 */
export const guestsSchema = z.strictObject({
  /** Model ids guests may use; `prefix/*` matches a prefix. Default: ["demo/*"] (free, offline). */
  models: z.array(z.string().min(1)).optional(),
  /** New guest sessions one address may start per day. Default: 100. */
  sessionsPerAddressPerDay: positiveInt.optional(),
  /** Limits shared by all guests from one address. Default: 30/min, 500/day, 200k tokens/day. */
  perAddress: sharedLimitsSchema.optional(),
  /** Limits shared by every guest together. Default: 300/min, 5M tokens/day. */
  shared: sharedLimitsSchema.optional(),
});

/** How long a UI session lives. */
export const sessionsSchema = z.strictObject({
  /** A session unused for this long ends; each use extends it. Default: 30 days. */
  maxAgeSeconds: positiveInt.optional(),
});

/** What a user may write in GATEWAY_CONFIG: every field optional, merged over the defaults. */
export const gatewayConfigSchema = z.strictObject({
  defaultModel: modelId.optional(),
  providers: z.record(z.string().regex(/^[a-z0-9][a-z0-9-]*$/), providerSchema).optional(),
  models: z.record(modelId, modelSchema).optional(),
  /**
   * Other names for catalog models, e.g. the ids coding agents send by default
   * (`"claude-opus-5-5": "anthropic/claude-sonnet-4.6"`). Default: none.
   */
  aliases: z.record(z.string().min(1).max(200), modelId).optional(),
  plans: z.record(z.string().min(1), planSchema).optional(),
  defaultPlan: z.string().min(1).optional(),
  guestPlan: z.string().min(1).optional(),
  /** Largest accepted request body. Default: 1 MiB. */
  maxBodyBytes: positiveInt.optional(),
  /** Origins allowed to call the API from a browser. Default: ["*"] (without credentials). */
  corsOrigins: z.array(z.string().min(1)).optional(),
  routing: routingSchema.optional(),
  guests: guestsSchema.optional(),
  sessions: sessionsSchema.optional(),
  /** The response cache's store; the cache itself is switched on per model or plan. */
  cache: cacheStoreSchema.optional(),
});

const optionalSecret = z.string().min(1).optional();

export const envSchema = z.object({
  NODE_ENV: z.enum(['development', 'production', 'test']).default('development'),
  ADMIN_TOKEN: z.string().min(16, 'must be at least 16 characters').optional(),
  SESSION_SECRET: z.string().min(32, 'must be at least 32 characters').optional(),
  UPSTASH_REDIS_REST_URL: z.url().optional(),
  UPSTASH_REDIS_REST_TOKEN: optionalSecret,
  KV_REST_API_URL: z.url().optional(),
  KV_REST_API_TOKEN: optionalSecret,
  AI_GATEWAY_API_KEY: optionalSecret,
  AI_GATEWAY_BASE_URL: baseURL.optional(),
  VERCEL_OIDC_TOKEN: optionalSecret,
  OPENAI_API_KEY: optionalSecret,
  OPENAI_BASE_URL: baseURL.optional(),
  ANTHROPIC_API_KEY: optionalSecret,
  ANTHROPIC_BASE_URL: baseURL.optional(),
  GATEWAY_CONFIG: z.string().optional(),
  /** Vercel Cron sends it as `Authorization: Bearer <CRON_SECRET>` (GET /api/cron/alerts). */
  CRON_SECRET: z.string().min(16, 'must be at least 16 characters').optional(),
});

export type Pricing = z.infer<typeof pricingSchema>;
export type ProviderConfig = z.infer<typeof providerSchema>;
export type ProviderType = ProviderConfig['type'];
export type Target = z.infer<typeof targetSchema>;
export type ModelConfig = z.infer<typeof modelSchema>;
export type SharedLimits = z.infer<typeof sharedLimitsSchema>;
export type Plan = z.infer<typeof planSchema>;
export type CacheSettings = z.infer<typeof cacheSchema>;
export type GatewayConfigInput = z.infer<typeof gatewayConfigSchema>;
export type Env = z.infer<typeof envSchema>;
export type RoutingConfig = Required<z.infer<typeof routingSchema>>;
