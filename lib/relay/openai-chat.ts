import { emptySummary, isObject, isSet, type Json, openAIUsage, parse, streamError } from './json';
import type { AnswerSummary, RelayProtocol, SseTap } from './protocol';

/** OpenAI's `usage` object as ours. */
const toUsage = (usage: unknown) =>
  openAIUsage(usage, {
    input: 'prompt_tokens',
    output: 'completion_tokens',
    details: 'prompt_tokens_details',
  });

/** The text, refusal and tool arguments of one message or delta. */
function outputOf(message: unknown): string {
  if (!isObject(message)) return '';
  let output = typeof message.content === 'string' ? message.content : '';
  if (typeof message.refusal === 'string') output += message.refusal;
  if (Array.isArray(message.tool_calls)) {
    for (const call of message.tool_calls) {
      if (isObject(call) && isObject(call.function)) {
        const { name, arguments: input } = call.function;
        if (typeof name === 'string') output += name;
        if (typeof input === 'string') output += input;
      }
    }
  }
  return output;
}

function choicesOf(chunk: Json): Json[] {
  return Array.isArray(chunk.choices) ? chunk.choices.filter(isObject) : [];
}

/** Whether a chunk carries a piece of the answer (not just the opening `role` delta). */
function carriesAnswer(chunk: Json): boolean {
  return choicesOf(chunk).some(
    (choice) => outputOf(choice.delta) !== '' || typeof choice.finish_reason === 'string',
  );
}

function createTap({ forwardUsage }: { forwardUsage: boolean }): SseTap {
  // The raw payloads: parsed only when an answer is cut and its output must be counted.
  const payloads: string[] = [];
  const summary = emptySummary();
  let began = false;
  return {
    get began() {
      return began;
    },
    event(data) {
      if (data === '[DONE]') {
        summary.complete = true;
        return true;
      }
      payloads.push(data);
      // Parsing every chunk would cost CPU per chunk; only the chunks that matter are read.
      const mayMatter = !began || data.includes('"usage":{') || data.startsWith('{"error"');
      if (!mayMatter) return true;
      const chunk = parse(data);
      if (!chunk) return true;
      if (chunk.error !== undefined && chunk.error !== null) {
        summary.error = streamError(chunk.error);
        began = true;
        return true;
      }
      if (!began && carriesAnswer(chunk)) began = true;
      const usage = toUsage(chunk.usage);
      if (usage) {
        summary.usage = usage;
        // The usage chunk has no choices; one the client did not ask for is held back.
        if (!forwardUsage && choicesOf(chunk).length === 0) {
          payloads.pop();
          return false;
        }
      }
      return true;
    },
    summary: () => summary,
    streamedOutput() {
      let output = '';
      for (const data of payloads) {
        const chunk = parse(data);
        if (chunk) for (const choice of choicesOf(chunk)) output += outputOf(choice.delta);
      }
      return output;
    },
  };
}

function readAnswer(json: unknown): AnswerSummary {
  const body = isObject(json) ? json : {};
  const choices = choicesOf(body);
  return {
    usage: toUsage(body.usage),
    text: choices.map((choice) => outputOf(choice.message)).join(''),
    finishReason: choices.find((choice) => typeof choice.finish_reason === 'string')
      ?.finish_reason as string | undefined,
  };
}

/** Merges the provider's own body options one level deep (`providerOptions.gateway`). */
function mergeOptions(body: Json, options: Json | undefined): Json {
  if (!options) return body;
  const merged = { ...body };
  for (const [name, value] of Object.entries(options)) {
    const current = merged[name];
    if (isObject(current) && isObject(value)) {
      const inner = { ...current };
      for (const [key, part] of Object.entries(value)) {
        inner[key] = isObject(inner[key]) && isObject(part) ? { ...inner[key], ...part } : part;
      }
      merged[name] = inner;
    } else {
      merged[name] = value;
    }
  }
  return merged;
}

/** OpenAI Chat Completions, `POST {base}/chat/completions`. */
export const openAIChatProtocol: RelayProtocol = {
  id: 'openai-chat',
  path: '/chat/completions',
  isStreaming: (body) => body.stream === true,
  requestedOutputTokens(body) {
    const cap = isSet(body.max_completion_tokens) ? body.max_completion_tokens : body.max_tokens;
    return typeof cap === 'number' ? cap : undefined;
  },
  rewrite(body, owned, endpoint) {
    const sent: Json = mergeOptions({ ...body, model: owned.upstreamModel }, endpoint.bodyOptions);
    // The cap goes in the field the client used; without one, in the one the target expects.
    const capFields = ['max_completion_tokens', 'max_tokens'].filter((field) => isSet(body[field]));
    if (capFields.length === 0) capFields.push(endpoint.outputCapField ?? 'max_tokens');
    for (const field of capFields) sent[field] = owned.maxOutputTokens;
    let forwardUsage = false;
    if (body.stream === true) {
      const options = isObject(body.stream_options) ? body.stream_options : {};
      forwardUsage = options.include_usage === true;
      // Settlement needs the provider's counts, asked for or not.
      sent.stream_options = { ...options, include_usage: true };
    }
    if (!isSet(body.user) && owned.user) sent.user = owned.user;
    return { body: sent, forwardUsage };
  },
  createTap,
  readAnswer,
  errorEvent: (error) => `data: ${JSON.stringify(error.toJSON())}\n\n`,
};
