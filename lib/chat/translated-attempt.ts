import {
  jsonSchema,
  Output,
  experimental_streamLanguageModelCall as streamLanguageModelCall,
} from 'ai';
import { createLanguageModel, type ModelFactories } from '@/lib/providers/models';
import { refuseDownloads } from '@/lib/providers/no-downloads';
import { type ProviderAdapters, providerCallOptions } from '@/lib/providers/registry';
import type { Candidate } from '@/lib/routing/candidates';
import { waitForFirstToken } from './first-token';
import { type MeteredStream, meterStream } from './meter';
import { toTextStreamParts } from './model-call';
import type { ChatRequest } from './types';

export interface TranslatedAttemptOptions {
  request: ChatRequest;
  /** The client's signal: the meter bills an abort from it. */
  signal: AbortSignal | undefined;
  /** The router's signal for this attempt: it closes the upstream call. */
  attemptSignal: AbortSignal;
  maxOutputTokens: number;
  inputTokenEstimate: number;
  adapters: ProviderAdapters;
  models: ModelFactories;
  user: string | undefined;
  now: () => number;
}

/** One attempt of the translation path: call the target through the AI SDK, wait for its first token. */
export async function translatedAttempt(
  candidate: Candidate,
  {
    request,
    signal,
    attemptSignal,
    maxOutputTokens,
    inputTokenEstimate,
    adapters,
    models,
    user,
    now,
  }: TranslatedAttemptOptions,
): Promise<MeteredStream> {
  const call = streamLanguageModelCall({
    model: await createLanguageModel(candidate.provider, candidate.target.model, models),
    instructions: request.instructions,
    messages: request.messages,
    allowSystemInMessages: true,
    maxOutputTokens,
    temperature: request.temperature,
    topP: request.topP,
    stopSequences: request.stopSequences,
    presencePenalty: request.presencePenalty,
    frequencyPenalty: request.frequencyPenalty,
    seed: request.seed,
    tools: request.tools,
    toolChoice: request.toolChoice,
    output: request.responseFormat && toOutput(request.responseFormat),
    providerOptions: providerCallOptions(
      candidate.provider,
      { model: candidate.model, user, parallelToolCalls: request.parallelToolCalls },
      adapters,
    ),
    // The gateway never fetches what a client links to: see refuseDownloads.
    download: refuseDownloads,
    abortSignal: attemptSignal,
  });
  const metered = meterStream(toTextStreamParts(call), { inputTokenEstimate, signal, now });
  return { ...metered, stream: await waitForFirstToken(metered.stream, attemptSignal) };
}

function toOutput({ schema, name, description }: NonNullable<ChatRequest['responseFormat']>) {
  return schema
    ? Output.object({ schema: jsonSchema(schema), name, description })
    : Output.json({ name, description });
}
