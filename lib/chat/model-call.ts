import type {
  Experimental_LanguageModelStreamPart as ModelCallPart,
  TextStreamPart,
  ToolSet,
} from 'ai';

type Part = TextStreamPart<ToolSet>;

/**
 * One model call (`experimental_streamLanguageModelCall`) as the parts `streamText` emits for a
 * single step, in one stream stage. The gateway runs exactly one step and executes no tools, so
 * `streamText`'s step machinery only cost CPU on every chunk. A call that fails before its
 * stream exists (an HTTP error, a refused connection) errors this stream, as a cut one does.
 */
export function toTextStreamParts(
  call: Promise<{ stream: ReadableStream<ModelCallPart<ToolSet>> }>,
): ReadableStream<Part> {
  let reader: ReadableStreamDefaultReader<ModelCallPart<ToolSet>> | undefined;
  // What `finish-step` reports of the response; providers may send none of it.
  let response = { id: '', timestamp: new Date(), modelId: '' };
  return new ReadableStream<Part>({
    async pull(controller) {
      reader ??= (await call).stream.getReader();
      for (;;) {
        const { done, value } = await reader.read();
        if (done) {
          controller.close();
          return;
        }
        switch (value.type) {
          case 'model-call-start':
            controller.enqueue({ type: 'start' });
            controller.enqueue({ type: 'start-step', request: {}, warnings: value.warnings });
            return;
          case 'model-call-response-metadata':
            response = {
              id: value.id ?? response.id,
              timestamp: value.timestamp ?? response.timestamp,
              modelId: value.modelId ?? response.modelId,
            };
            continue;
          case 'model-call-end':
            controller.enqueue({
              type: 'finish-step',
              response,
              usage: value.usage,
              performance: {
                ...value.performance,
                stepTimeMs: value.performance.responseTimeMs,
                toolExecutionMs: {},
              },
              finishReason: value.finishReason,
              rawFinishReason: value.rawFinishReason,
              providerMetadata: value.providerMetadata,
            });
            controller.enqueue({
              type: 'finish',
              finishReason: value.finishReason,
              rawFinishReason: value.rawFinishReason,
              totalUsage: value.usage,
            });
            return;
          default:
            controller.enqueue(value);
            return;
        }
      }
    },
    async cancel(reason) {
      await (reader ?? (await call.catch(() => undefined))?.stream)?.cancel(reason);
    },
  });
}
