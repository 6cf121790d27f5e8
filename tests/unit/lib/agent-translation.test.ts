import type { TextStreamPart, ToolSet } from 'ai';
import { describe, expect, it } from 'vitest';
import { toChatRequest as fromMessages, messagesRequestSchema } from '@/lib/anthropic/request';
import { toMessageStream } from '@/lib/anthropic/response';
import { meterStream } from '@/lib/chat/meter';
import type { ChatRun } from '@/lib/chat/pipeline';
import { GatewayError } from '@/lib/errors';
import { parseRequest } from '@/lib/http/parse-request';
import {
  customToolNames,
  toChatRequest as fromResponses,
  responsesRequestSchema,
} from '@/lib/responses/request';
import { toResponseStream } from '@/lib/responses/response';

type Part = TextStreamPart<ToolSet>;

const usage = {
  inputTokens: 40,
  inputTokenDetails: { noCacheTokens: 20, cacheReadTokens: 15, cacheWriteTokens: 5 },
  outputTokens: 7,
  outputTokenDetails: { textTokens: 7, reasoningTokens: 0 },
  totalTokens: 47,
};
const finish = (finishReason: 'stop' | 'tool-calls' = 'stop'): Part => ({
  type: 'finish',
  finishReason,
  rawFinishReason: finishReason,
  totalUsage: usage,
});

/** A served run over these parts, metered as the pipeline meters it. */
function runOf(parts: Part[]): ChatRun {
  const source = new ReadableStream<Part>({
    start(controller) {
      for (const part of parts) controller.enqueue(part);
      controller.close();
    },
  });
  const metered = meterStream(source, { inputTokenEstimate: 33 });
  return {
    id: 'chat-1234',
    model: 'test/model',
    provider: 'p',
    inputTokenEstimate: 33,
    pricing: undefined,
    attempts: [],
    ...metered,
  };
}

function events(text: string) {
  return text
    .trim()
    .split('\n\n')
    .map((block) => ({
      event: /^event: (.+)$/m.exec(block)?.[1],
      data: JSON.parse(/^data: (.+)$/m.exec(block)?.[1] ?? '{}'),
    }));
}

describe('Anthropic Messages -> chat request', () => {
  it('keeps what a target can take from a Claude Code request and drops the rest', () => {
    const body = messagesRequestSchema.parse({
      model: 'claude-opus-5-5',
      max_tokens: 32_000,
      stream: true,
      thinking: { type: 'adaptive' },
      output_config: { effort: 'high' },
      context_management: { edits: [] },
      metadata: { user_id: 'session-1' },
      system: [
        { type: 'text', text: 'You are Claude Code.', cache_control: { type: 'ephemeral' } },
        { type: 'text', text: 'Be terse.' },
      ],
      tools: [
        {
          name: 'Bash',
          description: 'Run a command',
          input_schema: { type: 'object', properties: { command: { type: 'string' } } },
          defer_loading: false,
        },
        { type: 'web_search_20250305', name: 'web_search' },
      ],
      messages: [
        {
          role: 'user',
          content: [{ type: 'text', text: 'hi', cache_control: { type: 'ephemeral' } }],
        },
        {
          role: 'assistant',
          content: [
            { type: 'thinking', thinking: 'hmm', signature: 'sig' },
            { type: 'tool_use', id: 'toolu_1', name: 'Bash', input: { command: 'ls' } },
          ],
        },
        { role: 'system', content: 'The user changed directory.' },
        {
          role: 'user',
          content: [
            {
              type: 'tool_result',
              tool_use_id: 'toolu_1',
              content: [{ type: 'text', text: 'a.txt' }],
            },
            {
              type: 'image',
              source: { type: 'base64', media_type: 'image/png', data: 'iVBORw0K' },
            },
          ],
        },
      ],
    });
    const request = fromMessages(body);
    expect(request.instructions).toBe('You are Claude Code.\nBe terse.');
    expect(request.maxOutputTokens).toBe(32_000);
    expect(Object.keys(request.tools ?? {})).toEqual(['Bash']);
    expect(request.messages).toEqual([
      { role: 'user', content: [{ type: 'text', text: 'hi' }] },
      {
        role: 'assistant',
        content: [
          { type: 'tool-call', toolCallId: 'toolu_1', toolName: 'Bash', input: { command: 'ls' } },
        ],
      },
      { role: 'system', content: 'The user changed directory.' },
      {
        role: 'tool',
        content: [
          {
            type: 'tool-result',
            toolCallId: 'toolu_1',
            toolName: 'Bash',
            output: { type: 'content', value: [{ type: 'text', text: 'a.txt' }] },
          },
        ],
      },
      { role: 'user', content: [{ type: 'file', data: 'iVBORw0K', mediaType: 'image/png' }] },
    ]);
  });

  it('refuses an image it would have to fetch, and a tool result without its call', () => {
    const withUrl = messagesRequestSchema.parse({
      model: 'm',
      messages: [
        {
          role: 'user',
          content: [{ type: 'image', source: { type: 'url', url: 'http://x/a.png' } }],
        },
      ],
    });
    expect(() => fromMessages(withUrl)).toThrow(GatewayError);
    const orphan = messagesRequestSchema.parse({
      model: 'm',
      messages: [{ role: 'user', content: [{ type: 'tool_result', tool_use_id: 'nope' }] }],
    });
    expect(() => fromMessages(orphan)).toThrow(/no earlier tool_use block/);
  });
});

describe('Anthropic Messages request checks', () => {
  const user = { role: 'user', content: 'hi' };
  it.each([
    ['a temperature above 1', { temperature: 1.5 }, 'temperature'],
    ['a temperature that is an array', { temperature: [] }, 'temperature'],
    ['a top_p of the wrong type', { top_p: 'high' }, 'top_p'],
    ['stop sequences that are not text', { stop_sequences: [1] }, 'stop_sequences[0]'],
    ['a metadata.user_id that is not text', { metadata: { user_id: 7 } }, 'metadata.user_id'],
    [
      'a text block whose text is not text',
      { messages: [{ role: 'user', content: [{ type: 'text', text: 7 }] }] },
      'messages[0].content[0].text',
    ],
    [
      'a tool_use block with no id',
      { messages: [{ role: 'assistant', content: [{ type: 'tool_use', name: 'f', input: {} }] }] },
      'messages[0].content[0].id',
    ],
    ['a system text block with no text', { system: [{ type: 'text' }] }, 'system[0].text'],
  ])('rejects %s with a 400 naming the field, relayed or translated', (_name, fields, param) => {
    expect(() =>
      parseRequest(messagesRequestSchema, {
        model: 'm',
        max_tokens: 5,
        messages: [user],
        ...fields,
      }),
    ).toThrow(expect.objectContaining({ code: 'invalid_request', param }));
  });

  it('keeps the blocks and fields it does not know, as written, for a relay', () => {
    const body = {
      model: 'm',
      max_tokens: 5,
      messages: [
        {
          role: 'user',
          content: [
            { type: 'text', text: 'hi', citations: [{ x: 1 }] },
            { type: 'container_upload', file_id: 'f' },
          ],
        },
      ],
      context_management: { edits: [] },
      mcp_servers: [{ url: 'https://example.com/mcp' }],
    };
    expect(parseRequest(messagesRequestSchema, structuredClone(body))).toEqual(body);
  });
});

describe('the Anthropic SSE encoder', () => {
  it('sends message_start with the estimate, the blocks in order, and message_delta with the usage', async () => {
    const run = runOf([
      { type: 'text-start', id: 't' },
      { type: 'text-delta', id: 't', text: 'Let me look.' },
      { type: 'text-end', id: 't' },
      { type: 'tool-input-start', id: 'call_1', toolName: 'Bash' },
      { type: 'tool-input-delta', id: 'call_1', delta: '{"command":' },
      { type: 'tool-input-delta', id: 'call_1', delta: '"ls"}' },
      { type: 'tool-input-end', id: 'call_1' },
      { type: 'tool-call', toolCallId: 'call_1', toolName: 'Bash', input: { command: 'ls' } },
      finish('tool-calls'),
    ]);
    const sent = events(await toMessageStream(run).text());
    expect(sent.map((event) => event.event)).toEqual([
      'message_start',
      'content_block_start',
      'content_block_delta',
      'content_block_stop',
      'content_block_start',
      'content_block_delta',
      'content_block_delta',
      'content_block_stop',
      'message_delta',
      'message_stop',
    ]);
    expect(sent[0]?.data.message.usage.input_tokens).toBe(33);
    expect(sent[4]?.data).toMatchObject({
      index: 1,
      content_block: { type: 'tool_use', id: 'call_1', name: 'Bash' },
    });
    expect(sent[8]?.data).toMatchObject({
      delta: { stop_reason: 'tool_use' },
      usage: {
        input_tokens: 20,
        cache_read_input_tokens: 15,
        cache_creation_input_tokens: 5,
        output_tokens: 7,
      },
    });
  });

  it('ends a failed stream with an error event and no message_stop', async () => {
    const run = runOf([
      { type: 'text-delta', id: 't', text: 'partial' },
      { type: 'error', error: new GatewayError('upstream_error', 'cut', { retryable: true }) },
    ]);
    const sent = events(await toMessageStream(run).text());
    expect(sent.at(-1)).toMatchObject({
      event: 'error',
      data: { type: 'error', error: { type: 'api_error', message: 'cut' } },
    });
    expect(sent.some((event) => event.event === 'message_stop')).toBe(false);
  });
});

describe('OpenAI Responses -> chat request', () => {
  it('turns Codex input items and tools into messages and tools', () => {
    const body = responsesRequestSchema.parse({
      model: 'gpt-5.5-codex',
      store: false,
      stream: true,
      include: ['reasoning.encrypted_content'],
      prompt_cache_key: 'k',
      reasoning: { effort: 'medium' },
      tools: [
        { type: 'function', name: 'exec_command', parameters: { type: 'object' }, strict: false },
        { type: 'custom', name: 'apply_patch', format: { type: 'grammar' } },
        { type: 'web_search' },
      ],
      input: [
        { type: 'message', role: 'developer', content: [{ type: 'input_text', text: 'Rules.' }] },
        { type: 'message', role: 'user', content: [{ type: 'input_text', text: 'Fix it.' }] },
        { type: 'reasoning', id: 'rs_1', summary: [], encrypted_content: 'x' },
        { type: 'function_call', call_id: 'c1', name: 'exec_command', arguments: '{"cmd":"ls"}' },
        { type: 'function_call_output', call_id: 'c1', output: 'a.txt' },
        { type: 'custom_tool_call', call_id: 'c2', name: 'apply_patch', input: '*** Begin' },
        { type: 'custom_tool_call_output', call_id: 'c2', output: 'Done' },
      ],
    });
    expect([...customToolNames(body)]).toEqual(['apply_patch']);
    const request = fromResponses(body);
    expect(Object.keys(request.tools ?? {})).toEqual(['exec_command', 'apply_patch']);
    expect(request.messages).toEqual([
      { role: 'system', content: 'Rules.' },
      { role: 'user', content: [{ type: 'text', text: 'Fix it.' }] },
      {
        role: 'assistant',
        content: [
          { type: 'tool-call', toolCallId: 'c1', toolName: 'exec_command', input: { cmd: 'ls' } },
        ],
      },
      {
        role: 'tool',
        content: [
          {
            type: 'tool-result',
            toolCallId: 'c1',
            toolName: 'exec_command',
            output: { type: 'text', value: 'a.txt' },
          },
        ],
      },
      {
        role: 'assistant',
        content: [
          {
            type: 'tool-call',
            toolCallId: 'c2',
            toolName: 'apply_patch',
            input: { input: '*** Begin' },
          },
        ],
      },
      {
        role: 'tool',
        content: [
          {
            type: 'tool-result',
            toolCallId: 'c2',
            toolName: 'apply_patch',
            output: { type: 'text', value: 'Done' },
          },
        ],
      },
    ]);
  });
});

describe('OpenAI Responses request checks', () => {
  it.each([
    ['a temperature of the wrong type', { temperature: [] }, 'temperature'],
    [
      'a max_output_tokens that is not a positive integer',
      { max_output_tokens: 0 },
      'max_output_tokens',
    ],
    ['a max_tool_calls of the wrong type', { max_tool_calls: 'many' }, 'max_tool_calls'],
    ['an include that is not a list of names', { include: 'all' }, 'include'],
    [
      'a message item with an unknown role',
      { input: [{ type: 'message', role: 'wizard', content: 'x' }] },
      'input[0].role',
    ],
    [
      'a message item whose content is a number',
      { input: [{ type: 'message', role: 'user', content: 7 }] },
      'input[0].content',
    ],
    [
      'a function_call item with no call_id',
      { input: [{ type: 'function_call', name: 'f', arguments: '{}' }] },
      'input[0].call_id',
    ],
    ['a function tool with no name', { tools: [{ type: 'function' }] }, 'tools[0].name'],
  ])('rejects %s with a 400 naming the field, relayed or translated', (_name, fields, param) => {
    expect(() =>
      parseRequest(responsesRequestSchema, { model: 'm', input: 'hi', ...fields }),
    ).toThrow(expect.objectContaining({ code: 'invalid_request', param }));
  });

  it('keeps the items and fields it does not know, as written, for a relay', () => {
    const body = {
      model: 'm',
      input: [
        { role: 'user', content: [{ type: 'input_text', text: 'hi' }] },
        { type: 'compaction', encrypted_content: 'x' },
      ],
      tools: [{ type: 'web_search', search_context_size: 'low' }],
      prompt: { id: 'pmpt_1' },
      conversation: null,
    };
    expect(parseRequest(responsesRequestSchema, structuredClone(body))).toEqual(body);
  });
});

describe('the Responses SSE encoder', () => {
  it('numbers every event and sends added/done for each item, usage last', async () => {
    const run = runOf([
      { type: 'text-delta', id: 't', text: 'Running it.' },
      { type: 'tool-input-start', id: 'call_1', toolName: 'exec_command' },
      { type: 'tool-input-delta', id: 'call_1', delta: '{"cmd":"ls"}' },
      { type: 'tool-call', toolCallId: 'call_1', toolName: 'exec_command', input: { cmd: 'ls' } },
      {
        type: 'tool-call',
        toolCallId: 'call_2',
        toolName: 'apply_patch',
        input: { input: 'patch' },
      },
      finish('tool-calls'),
    ]);
    const options = { customTools: new Set(['apply_patch']), instructions: null };
    const sent = events(await toResponseStream(run, options).text());
    expect(sent.map((event) => event.data.sequence_number)).toEqual(sent.map((_, index) => index));
    expect(
      sent
        .filter((event) => event.event === 'response.output_item.done')
        .map((event) => event.data.item),
    ).toEqual([
      expect.objectContaining({
        type: 'message',
        status: 'completed',
        content: [expect.objectContaining({ text: 'Running it.' })],
      }),
      expect.objectContaining({
        type: 'function_call',
        call_id: 'call_1',
        name: 'exec_command',
        arguments: '{"cmd":"ls"}',
      }),
      expect.objectContaining({
        type: 'custom_tool_call',
        call_id: 'call_2',
        name: 'apply_patch',
        input: 'patch',
      }),
    ]);
    const last = sent.at(-1);
    expect(last?.event).toBe('response.completed');
    expect(last?.data.response.output).toHaveLength(3);
    expect(last?.data.response.usage).toMatchObject({
      input_tokens: 40,
      output_tokens: 7,
      input_tokens_details: { cached_tokens: 15 },
    });
  });

  it('ends a failed stream with response.failed', async () => {
    const run = runOf([
      { type: 'text-delta', id: 't', text: 'partial' },
      { type: 'error', error: new GatewayError('upstream_error', 'cut', { retryable: true }) },
    ]);
    const sent = events(
      await toResponseStream(run, { customTools: new Set(), instructions: null }).text(),
    );
    expect(sent.at(-1)).toMatchObject({
      event: 'response.failed',
      data: { response: { status: 'failed', error: { code: 'upstream_error', message: 'cut' } } },
    });
    expect(sent.some((event) => event.event === 'response.completed')).toBe(false);
  });
});
