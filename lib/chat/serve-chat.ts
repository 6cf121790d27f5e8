import { after } from 'next/server';
import type { z } from 'zod';
import { getConfig } from '@/lib/config';
import { type ErrorBody, toResponse } from '@/lib/errors';
import { apiResponseHeaders, identifyChatCaller } from '@/lib/gate';
import { preflightResponse } from '@/lib/http/cors';
import { copyHeaders } from '@/lib/http/headers';
import { parseRequest } from '@/lib/http/parse-request';
import { readJsonBody } from '@/lib/http/read-json';
import type { RelayProtocol } from '@/lib/relay/protocol';
import { type ChatAccounting, openChatAccounting } from './accounting';
import { type ChatRun, isRelayed, startChat } from './pipeline';
import { recordOutcome } from './record';
import { servedByHeaders } from './replies';
import type { ChatApi, ChatRequest } from './types';

export interface ChatEndpoint<Schema extends z.ZodType> {
  /** The wire API, recorded with each request. */
  api: ChatApi;
  schema: Schema;
  toChatRequest(body: z.infer<Schema>, defaultModel: string): ChatRequest | Promise<ChatRequest>;
  reply(run: ChatRun, body: z.infer<Schema>): Response | Promise<Response>;
  /** A refusal's body in the endpoint's own wire format. Default: OpenAI's error body. */
  errorBody?: ErrorBody;
  /**
   * The endpoint's wire protocol, when targets may speak it too: such a target gets the body
   * as the client wrote it, and its answer goes back as it came (`reply` is not called).
   */
  relay?: RelayProtocol;
}

/**
 * The POST handler of a chat endpoint; endpoints differ only in their wire format. Middleware
 * does not run for chat routes, so the handler identifies its caller and sets the request id and
 * CORS headers itself. Admission happens in the pipeline, once the request is parsed; its
 * rate-limit headers go on every response from then on. The lease a request holds is freed
 * however it ends, and settlement runs after the response.
 */
export function serveChat<Schema extends z.ZodType>(endpoint: ChatEndpoint<Schema>) {
  return async function handleChat(request: Request): Promise<Response> {
    const config = getConfig();
    const requestId = crypto.randomUUID();
    const headers = apiResponseHeaders(request, config, requestId);
    let accounting: ChatAccounting | undefined;
    try {
      const identity = await identifyChatCaller(request, config);
      accounting = openChatAccounting({ identity, requestId, api: endpoint.api }, config, after);
      const raw = await readJsonBody(request, config.maxBodyBytes);
      const body = parseRequest(endpoint.schema, raw);
      const chatRequest = await endpoint.toChatRequest(body, config.defaultModel);
      if (endpoint.relay) {
        chatRequest.relay = {
          protocol: endpoint.relay,
          body: raw as Record<string, unknown>,
          headers: forwardedHeaders(request, endpoint.relay.forwardedHeaders),
        };
      }
      const run = await startChat(chatRequest, request.signal, { accounting, defer: after });
      after(() => recordOutcome(run));
      const response = isRelayed(run) ? run.response : await endpoint.reply(run, body);
      if (isRelayed(run)) copyHeaders(new Headers(servedByHeaders(run)), response.headers);
      copyHeaders(headers, response.headers);
      copyHeaders(accounting.headers, response.headers);
      return response;
    } catch (error) {
      if (accounting) {
        after(accounting.abandon());
        copyHeaders(accounting.headers, headers);
      }
      return toResponse(error, headers, endpoint.errorBody);
    }
  };
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
