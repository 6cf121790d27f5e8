import type { ModelMessage } from 'ai';
import { after } from 'next/server';
import type { ChatRun } from '@/lib/chat/pipeline';
import { toJsonReply, toUIMessageStreamReply } from '@/lib/chat/replies';
import type { ChatVisit } from '@/lib/chat/serve-chat';
import type { ChatRequest } from '@/lib/chat/types';
import { GatewayError } from '@/lib/errors';
import { conversationLimits } from './limits';
import type { SendMessageBody } from './schema';
import { getConversationStore } from './store';
import { turnsOf } from './turns';

function conversationIdOf(visit: ChatVisit): string {
  return String(visit.params.id);
}

/**
 * The chat request of the next message: the stored conversation (its system prompt, model and
 * turns) and the new user message, or, to regenerate, the turns up to the last user message.
 */
export async function toConversationChatRequest(
  body: SendMessageBody,
  defaultModel: string,
  visit: ChatVisit,
): Promise<ChatRequest> {
  const id = conversationIdOf(visit);
  const conversation = await getConversationStore(visit.config).get(visit.identity.userId, id);
  let history = conversation.messages;
  if (body.regenerate) {
    const lastQuestion = history.findLastIndex((message) => message.role === 'user');
    if (lastQuestion < 0) {
      throw new GatewayError(
        'invalid_request',
        'regenerate: this conversation has no message yet',
        {
          param: 'regenerate',
        },
      );
    }
    history = history.slice(0, lastQuestion + 1);
  } else {
    const content = body.content ?? '';
    if (content.length > conversationLimits.contentChars) {
      throw new GatewayError(
        'payload_too_large',
        `content: at most ${conversationLimits.contentChars} characters`,
        { param: 'content' },
      );
    }
    if (history.length + 2 > conversationLimits.messagesPerConversation) {
      throw new GatewayError(
        'payload_too_large',
        `This conversation has reached ${conversationLimits.messagesPerConversation} messages; start a new one.`,
        { param: 'content' },
      );
    }
    history = [...history, { role: 'user', content, createdAt: Date.now() }];
  }
  const messages: ModelMessage[] = history.map(({ role, content }) => ({ role, content }));
  return {
    model: body.model ?? conversation.model ?? defaultModel,
    instructions: conversation.systemPrompt,
    messages,
    maxOutputTokens: body.maxOutputTokens,
    temperature: body.temperature,
    conversationId: id,
  };
}

/** A response whose body ends only once `settled` has: the client sees the end after it. */
function endingAfter(response: Response, settled: Promise<unknown>): Response {
  if (!response.body) return response;
  const body = response.body.pipeThrough(
    new TransformStream({ flush: async () => void (await settled) }),
  );
  return new Response(body, { status: response.status, headers: response.headers });
}

/**
 * Answers like /api/chat (the UI message stream, or JSON with `stream: false`) and stores both
 * turns once the answer has ended, however it ended. The reply ends only after they are stored,
 * so a client that read it to its end reads the conversation with the answer in it; a client
 * that left gets them stored all the same (after the response).
 */
export async function replyInConversation(
  run: ChatRun,
  body: SendMessageBody,
  visit: ChatVisit,
): Promise<Response> {
  const askedAt = Date.now();
  const id = conversationIdOf(visit);
  const store = getConversationStore(visit.config);
  const stored = run.outcome
    .then((outcome) =>
      store.appendTurns(id, turnsOf(run, outcome, { ...body, askedAt, endedAt: Date.now() })),
    )
    .catch((error: unknown) => {
      console.error(
        JSON.stringify({
          event: 'tollgate.conversation-append-failed',
          conversationId: id,
          requestId: visit.requestId,
          error: String(error),
        }),
      );
    });
  after(stored);
  if (body.stream !== false) return endingAfter(toUIMessageStreamReply(run), stored);
  try {
    return await toJsonReply(run);
  } finally {
    await stored;
  }
}
