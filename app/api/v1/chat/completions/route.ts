import { after } from 'next/server';
import { type ChatAccounting, openChatAccounting } from '@/lib/chat/accounting';
import { startChat } from '@/lib/chat/pipeline';
import { recordOutcome } from '@/lib/chat/record';
import { getConfig } from '@/lib/config';
import { toResponse } from '@/lib/errors';
import { parseRequest } from '@/lib/http/parse-request';
import { readJsonBody } from '@/lib/http/read-json';
import { chatCompletionRequestSchema, toChatRequest } from '@/lib/openai/request';
import { toChatCompletion, toChatCompletionStream } from '@/lib/openai/response';

export const runtime = 'edge';

export async function POST(request: Request) {
  let accounting: ChatAccounting | undefined;
  try {
    const config = getConfig();
    accounting = openChatAccounting(request, config);
    const body = parseRequest(
      chatCompletionRequestSchema,
      await readJsonBody(request, config.maxBodyBytes),
    );
    const run = await startChat(toChatRequest(body), request.signal, { accounting, defer: after });
    after(() => recordOutcome(run));
    return body.stream
      ? toChatCompletionStream(run, body.stream_options?.include_usage === true)
      : await toChatCompletion(run);
  } catch (error) {
    if (accounting) after(accounting.abandon());
    return toResponse(error);
  }
}
