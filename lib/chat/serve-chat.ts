import { after } from 'next/server';
import type { z } from 'zod';
import { planOf, requireRedis } from '@/lib/auth/identify';
import type { Identity } from '@/lib/auth/identity';
import { recordKeyUse } from '@/lib/auth/key-last-use';
import { checkKeyModel } from '@/lib/auth/key-policy';
import { openChatCache } from '@/lib/cache/chat-cache';
import { cacheTenantOf } from '@/lib/cache/key';
import { type Config, catalogIdOf, getConfig } from '@/lib/config';
import type { ErrorBody } from '@/lib/errors';
import { preflightResponse } from '@/lib/http/cors';
import { handle, type RouteHandler } from '@/lib/http/door';
import { copyHeaders } from '@/lib/http/headers';
import type { RelayProtocol } from '@/lib/relay/protocol';
import { failOpenOrThrow, getRedis } from '@/lib/store/redis';
import { readRequestTags } from '@/lib/tags/tags';
import { resolveTeam } from '@/lib/teams/resolve';
import { type ChatAccounting, openChatAccounting } from './accounting';
import { checkGuestModel, guestBuckets } from './guests';
import { type ChatRun, isRelayed, startChat } from './pipeline';
import { recordOutcome } from './record';
import { servedByHeaders } from './replies';
import type { ChatApi, ChatRequest } from './types';

/** Who is asking and where: what an endpoint may build its request from besides the body. */
export interface ChatVisit {
  identity: Identity;
  config: Config;
  requestId: string;
  /** The route's dynamic segments (a conversation's id). */
  params: Record<string, string | string[]>;
}

/**
 * One chat endpoint: its wire format. The door (lib/http/door.ts) identifies the caller, checks
 * cross-site writes, reads and parses the body with `schema`; `serveChat` then admits, runs the
 * pipeline and settles. An endpoint only says how its body becomes a `ChatRequest` and how a
 * run becomes its reply.
 */
export interface ChatEndpoint<Schema extends z.ZodType> {
  /** The wire API, recorded with each request. */
  api: ChatApi;
  schema: Schema;
  toChatRequest(
    body: z.infer<Schema>,
    defaultModel: string,
    visit: ChatVisit,
  ): ChatRequest | Promise<ChatRequest>;
  reply(run: ChatRun, body: z.infer<Schema>, visit: ChatVisit): Response | Promise<Response>;
  /** A refusal's body in the endpoint's own wire format. Default: OpenAI's error body. */
  errorBody?: ErrorBody;
  /**
   * The endpoint's wire protocol, when targets may speak it too: such a target gets the body
   * as the client wrote it, and its answer goes back as it came (`reply` is not called).
   */
  relay?: RelayProtocol;
  /**
   * Whether the web UI's session cookie may call this endpoint. Default: false: API endpoints
   * (OpenAI, Anthropic, Responses) take API keys only; only /api/chat serves the UI.
   */
  sessionCookie?: boolean;
  /**
   * Whether the body's `metadata` (OpenAI's map of strings) also carries tags, besides the
   * `x-tollgate-tags` header every chat endpoint reads. Default: false.
   */
  tagsFromMetadata?: boolean;
  /**
   * Whether the response cache may answer here. Default: true. A stored conversation's message
   * is never a hit: its body is not the whole request, and every answer extends the conversation.
   */
  cacheable?: boolean;
}

/**
 * The POST handler of a chat endpoint. Middleware does not run for chat routes (it would cost
 * about 2 ms, see the README's performance section), so everything goes through the door here.
 * Admission happens in the pipeline, once the request is parsed; its rate-limit headers go on
 * every response from then on. The lease a request holds is freed however it ends, and
 * settlement runs after the response.
 */
export function serveChat<Schema extends z.ZodType>(endpoint: ChatEndpoint<Schema>): RouteHandler {
  return handle(
    {
      access: 'user',
      body: endpoint.schema,
      sessionCookie: endpoint.sessionCookie ?? false,
      checkedByAdmission: true,
      errorBody: endpoint.errorBody,
    },
    async ({ request, config, requestId, identity, body: parsed, rawBody, headers, params }) => {
      const body = parsed as z.infer<Schema>;
      const visit: ChatVisit = { identity, config, requestId, params };
      let accounting: ChatAccounting | undefined;
      try {
        const plan = planOf(config, identity.plan);
        const tags = readRequestTags(request, rawBody, {
          fromMetadata: endpoint.tagsFromMetadata === true,
          required: plan.requiredTags,
        });
        const chatRequest = await endpoint.toChatRequest(body, config.defaultModel, visit);
        if (endpoint.relay) {
          chatRequest.relay = {
            protocol: endpoint.relay,
            body: rawBody as Record<string, unknown>,
            headers: forwardedHeaders(request, endpoint.relay.forwardedHeaders),
          };
        }
        if (identity.kind === 'guest') checkGuestModel(config, chatRequest.model);
        checkKeyModel(identity, catalogIdOf(config, chatRequest.model));
        // Cached in-process (lib/teams/resolve.ts), an expired answer re-read after the
        // response: no round trip in steady state. A fail-open plan is served without its
        // team's limits while the store is down.
        const redis = requireRedis(getRedis(config));
        const team = await resolveTeam(redis, identity, after).catch((error) =>
          failOpenOrThrow(plan.failOpen, error),
        );
        accounting = openChatAccounting(
          {
            identity,
            requestId,
            api: endpoint.api,
            tags,
            conversationId: chatRequest.conversationId,
            sharedBuckets: guestBuckets(config, identity, request),
            team,
          },
          config,
          after,
        );
        // Off (no read, no header) unless the model, the plan or the team's plan enables it.
        // A team's members share one cache, whichever way they are in it (key or membership).
        const cache =
          endpoint.cacheable === false
            ? undefined
            : await openChatCache({
                config,
                redis,
                tenant: cacheTenantOf({ userId: identity.userId, teamId: team?.id }),
                plan,
                teamPlan: team ? planOf(config, team.planName) : undefined,
                api: endpoint.api,
                model: chatRequest.model,
                body: endpoint.relay ? rawBody : body,
                headers: chatRequest.relay?.headers,
                cacheControl: request.headers.get('cache-control'),
                defer: after,
              });
        if (cache) headers.set('x-tollgate-cache', cache.status);
        // A key's last use, cache hits included; recorded after the response, off the hot path.
        const keyId = identity.keyId;
        if (keyId) after(() => recordKeyUse(redis, keyId));
        // A hit costs one round trip (the lookup) before admission's: it is admitted against
        // the rate windows only, served without a provider, and recorded after the response.
        const hit = await cache?.lookup();
        if (hit) {
          await accounting.admitCacheHit();
          headers.set('x-tollgate-cache', 'hit');
          const { model, provider, savedMicroUsd } = hit.entry;
          after(accounting.settleCacheHit({ model, provider, savedMicroUsd }));
          copyHeaders(accounting.headers, hit.response.headers);
          return hit.response;
        }
        const run = await startChat(chatRequest, request.signal, { accounting, defer: after });
        after(() => recordOutcome(run));
        const response = isRelayed(run) ? run.response : await endpoint.reply(run, body, visit);
        if (isRelayed(run)) copyHeaders(new Headers(servedByHeaders(run)), response.headers);
        copyHeaders(accounting.headers, response.headers);
        return cache ? cache.keep(response, run) : response;
      } catch (error) {
        if (accounting) {
          after(accounting.abandon());
          copyHeaders(accounting.headers, headers);
        }
        throw error;
      }
    },
  );
}

/** The CORS preflight of a chat endpoint (middleware answers the other routes' preflights). */
export function chatPreflight(request: Request): Response {
  return preflightResponse(request, getConfig().corsOrigins);
}

function forwardedHeaders(request: Request, names: readonly string[] = []) {
  const headers: Record<string, string> = {};
  for (const name of names) {
    const value = request.headers.get(name);
    if (value !== null) headers[name] = value;
  }
  return headers;
}
