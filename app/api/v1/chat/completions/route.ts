import { chatPreflight, serveChat } from '@/lib/chat/serve-chat';
import { otherMethods } from '@/lib/http/door';
import { chatCompletionRequestSchema, toChatRequest } from '@/lib/openai/request';
import { toChatCompletion, toChatCompletionStream } from '@/lib/openai/response';
import { openAIChatProtocol } from '@/lib/relay/openai-chat';

export const runtime = 'edge';

export const OPTIONS = chatPreflight;

export const POST = serveChat({
  api: 'openai',
  schema: chatCompletionRequestSchema,
  // OpenAI, OpenAI-compatible and AI Gateway targets get the body as written.
  relay: openAIChatProtocol,
  // `metadata: { feature: 'chat' }` tags the request `feature:chat` (README: Tags).
  tagsFromMetadata: true,
  toChatRequest: (body) => toChatRequest(body),
  reply: (run, body) =>
    body.stream
      ? toChatCompletionStream(run, body.stream_options?.include_usage === true)
      : toChatCompletion(run),
});

export const { GET, PUT, PATCH, DELETE } = otherMethods;
