import { after } from 'next/server';
import type { z } from 'zod';
import { getConfig } from '@/lib/config';
import { toResponse } from '@/lib/errors';
import { parseRequest } from '@/lib/http/parse-request';
import { readJsonBody } from '@/lib/http/read-json';
import { type ChatAccounting, openChatAccounting } from './accounting';
import { type ChatRun, startChat } from './pipeline';
import { recordOutcome } from './record';
import type { ChatRequest } from './types';

export interface ChatEndpoint<Schema extends z.ZodType> {
  schema: Schema;
  toChatRequest(body: z.infer<Schema>, defaultModel: string): ChatRequest | Promise<ChatRequest>;
  reply(run: ChatRun, body: z.infer<Schema>): Response | Promise<Response>;
}

/**
 * The POST handler of a chat endpoint; endpoints differ only in their wire format. Admission
 * happens in the pipeline, once the request is parsed; its rate-limit headers go on every
 * response from then on. The lease a request holds is freed however it ends, and settlement
 * runs after the response.
 */
export function serveChat<Schema extends z.ZodType>(endpoint: ChatEndpoint<Schema>) {
  return async function handleChat(request: Request): Promise<Response> {
    let accounting: ChatAccounting | undefined;
    try {
      const config = getConfig();
      accounting = openChatAccounting(request, config, after);
      const body = parseRequest(endpoint.schema, await readJsonBody(request, config.maxBodyBytes));
      const chatRequest = await endpoint.toChatRequest(body, config.defaultModel);
      const run = await startChat(chatRequest, request.signal, { accounting, defer: after });
      after(() => recordOutcome(run));
      const response = await endpoint.reply(run, body);
      accounting.headers.forEach((value, name) => {
        response.headers.set(name, value);
      });
      return response;
    } catch (error) {
      if (accounting) after(accounting.abandon());
      return toResponse(error, accounting?.headers);
    }
  };
}
