import { after } from 'next/server';
import { type ChatAccounting, openChatAccounting } from '@/lib/chat/accounting';
import { chatBodySchema, toChatRequest } from '@/lib/chat/chat-request';
import { startChat } from '@/lib/chat/pipeline';
import { recordOutcome } from '@/lib/chat/record';
import { toJsonReply, toUIMessageStreamReply } from '@/lib/chat/replies';
import { getConfig } from '@/lib/config';
import { toResponse } from '@/lib/errors';
import { parseRequest } from '@/lib/http/parse-request';
import { readJsonBody } from '@/lib/http/read-json';

export const runtime = 'edge';

export async function POST(request: Request) {
  let accounting: ChatAccounting | undefined;
  try {
    const config = getConfig();
    accounting = openChatAccounting(request, config);
    const body = parseRequest(chatBodySchema, await readJsonBody(request, config.maxBodyBytes));
    const run = await startChat(await toChatRequest(body, config.defaultModel), request.signal, {
      accounting,
      defer: after,
    });
    after(() => recordOutcome(run));
    return body.stream === false ? await toJsonReply(run) : toUIMessageStreamReply(run);
  } catch (error) {
    if (accounting) after(accounting.abandon());
    return toResponse(error);
  }
}
