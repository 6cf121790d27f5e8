import type { z } from 'zod';
import { bearerToken, identify, sameSecret } from '@/lib/auth/identify';
import type { Identity } from '@/lib/auth/identity';
import { type ApiKeyCache, createApiKeyCache } from '@/lib/auth/key-cache';
import { sessionCookie } from '@/lib/auth/session';
import { type Config, getConfig } from '@/lib/config';
import { type ErrorBody, GatewayError, toResponse } from '@/lib/errors';
import { getRedis, withStoreFailures } from '@/lib/store/redis';
import { corsHeaders } from './cors';
import { mergeHeaders } from './headers';
import { parseRequest } from './parse-request';
import { readJsonBody } from './read-json';
import { changesState, checkSameOrigin } from './same-origin';

/**
 * Who may pass: anyone (identity optional), a user (401 without one), an administrator, or
 * `cron`: Vercel Cron (`Authorization: Bearer <CRON_SECRET>`) or an administrator.
 */
export type Access = 'public' | 'user' | 'admin' | 'cron';

export interface DoorOptions<
  A extends Access,
  Body extends z.ZodType | undefined,
  Query extends z.ZodType | undefined,
> {
  access: A;
  /** The JSON body's schema; without it the body is not read. */
  body?: Body;
  /** The query string's schema, read from its parameters as an object of strings. */
  query?: Query;
  /** Whether the session cookie identifies callers here. Default: true (/api/v1 says false). */
  sessionCookie?: boolean;
  /**
   * Chat only: API-key records may come from the isolate's cache and sessions are not checked
   * here, because chat admission checks both in its one round trip (lib/limits/scripts.ts).
   */
  checkedByAdmission?: boolean;
  /** How an error's body looks on this route. Default: the OpenAI error body. */
  errorBody?: ErrorBody;
}

type Parsed<Schema> = Schema extends z.ZodType ? z.infer<Schema> : undefined;

/** What a route's handler gets once the request passed the door. */
export interface Visit<A extends Access, Body, Query> {
  request: Request;
  config: Config;
  requestId: string;
  identity: A extends 'public' | 'cron' ? Identity | undefined : Identity;
  body: Parsed<Body>;
  /** The JSON body as the client sent it, before the schema (the relay forwards it as written). */
  rawBody: unknown;
  query: Parsed<Query>;
  /** The route's dynamic segments, percent-decoded. */
  params: Record<string, string | string[]>;
  /**
   * Set on the response however it ends, errors included: request id, CORS, a renewed session
   * cookie. A handler adds its own (rate-limit headers) here.
   */
  headers: Headers;
}

export type RouteHandler = (
  request: Request,
  context?: { params?: Promise<Record<string, string | string[]>> },
) => Promise<Response>;

const isolateKeyCache: ApiKeyCache = createApiKeyCache();

/**
 * The one door of every API route: request id and CORS headers, identity (one path for every
 * route: `identify`), access, the cross-site check for cookie-borne writes, the body read with
 * its size limit and parsed with zod, the query parsed, and the one error funnel. A route says
 * what it needs and gets a `Visit`; it cannot forget a check.
 */
export function handle<
  A extends Access,
  Body extends z.ZodType | undefined = undefined,
  Query extends z.ZodType | undefined = undefined,
>(
  options: DoorOptions<A, Body, Query>,
  serve: (visit: Visit<A, Body, Query>) => Response | Promise<Response>,
): RouteHandler {
  return async (request, context) => {
    const config = getConfig();
    const requestId = crypto.randomUUID();
    const headers = corsHeaders(request.headers.get('origin'), config.corsOrigins);
    headers.set('x-request-id', requestId);
    try {
      const token = bearerToken(request);
      const cron =
        options.access === 'cron' &&
        config.cronSecret !== undefined &&
        token !== undefined &&
        sameSecret(token, config.cronSecret);
      const caller = cron
        ? { identity: undefined }
        : await identify(request, config, getRedis(config), {
            keyCheckedByAdmission: options.checkedByAdmission ? isolateKeyCache : undefined,
            acceptSessionCookie: options.sessionCookie ?? true,
          });
      const identity = caller.identity;
      if (caller.renewedSession) {
        const secure = new URL(request.url).protocol === 'https:';
        headers.append(
          'set-cookie',
          sessionCookie(caller.renewedSession, secure, config.sessionMaxAgeSeconds),
        );
      }
      if (options.access !== 'public' && !cron && !identity) {
        throw new GatewayError('unauthorized', 'Send an API key as `Authorization: Bearer <key>`.');
      }
      if (
        (options.access === 'admin' || (options.access === 'cron' && !cron)) &&
        !identity?.admin
      ) {
        throw new GatewayError('forbidden', 'This endpoint is for administrators.');
      }
      // A request that an API key signs cannot be forged by another site; one that relies on
      // the cookie (or signs in) can.
      if (changesState(request) && bearerToken(request) === undefined) {
        checkSameOrigin(request, { expectsBody: options.body !== undefined });
      }
      const rawBody = options.body
        ? await readJsonBody(request, config.maxBodyBytes, {
            // Chat bodies are large and parsed on the hot path; there the last key wins, as
            // in JSON.parse, and the cross-site check above is what stands between a
            // forged body and the cookie.
            rejectDuplicateKeys: !options.checkedByAdmission,
          })
        : undefined;
      const body = options.body ? parseRequest(options.body, rawBody) : undefined;
      const query = options.query
        ? parseRequest(
            options.query,
            Object.fromEntries(new URL(request.url).searchParams.entries()),
          )
        : undefined;
      const params = (await context?.params) ?? {};
      const response = await serve({
        request,
        config,
        requestId,
        identity: identity as Visit<A, Body, Query>['identity'],
        body: body as Parsed<Body>,
        rawBody,
        query: query as Parsed<Query>,
        params,
        headers,
      });
      // The handler's own cookie (a sign-in) wins over renewing the session it replaces.
      if (response.headers.has('set-cookie')) headers.delete('set-cookie');
      mergeHeaders(headers, response.headers);
      return response;
    } catch (error) {
      return toResponse(withStoreFailures(error), headers, options.errorBody);
    }
  };
}

function refuseMethod(request: Request, errorBody?: ErrorBody): Response {
  const refusal = toResponse(
    new GatewayError('invalid_request', `This endpoint does not answer ${request.method}.`),
    undefined,
    errorBody,
  );
  return new Response(refusal.body, { status: 405, headers: refusal.headers });
}

/** A 405 in the error shape; Next's own 405 for a method a route does not export is empty. */
export function methodNotAllowed(request: Request): Response {
  return refuseMethod(request);
}

/** `otherMethods` answering in a route's own error shape (the Anthropic routes' `errorBody`). */
export function otherMethodsIn(errorBody: ErrorBody) {
  const refuse = (request: Request) => refuseMethod(request, errorBody);
  return { GET: refuse, POST: refuse, PUT: refuse, PATCH: refuse, DELETE: refuse };
}

/**
 * Every method a route may leave out, answered 405 in the error shape. A route exports the ones
 * it does not serve: `export const { POST, PUT, PATCH, DELETE } = otherMethods;`.
 */
export const otherMethods = {
  GET: methodNotAllowed,
  POST: methodNotAllowed,
  PUT: methodNotAllowed,
  PATCH: methodNotAllowed,
  DELETE: methodNotAllowed,
};
