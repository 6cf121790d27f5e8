import { DefaultChatTransport } from 'ai';
import type { ChatUIMessage } from '@/lib/chat/replies';

/** A refused or failed `/api/chat` call, read from our error body and headers. */
export class ChatRequestError extends Error {
  constructor(
    message: string,
    readonly status: number,
    readonly code: string,
    /** From `Retry-After`, on a 429. */
    readonly retryAfterSeconds: number | undefined,
  ) {
    super(message);
    this.name = 'ChatRequestError';
  }
}

async function readErrorBody(response: Response): Promise<{ message?: string; code?: string }> {
  try {
    const body = (await response.json()) as { error?: { message?: unknown; code?: unknown } };
    return {
      message: typeof body.error?.message === 'string' ? body.error.message : undefined,
      code: typeof body.error?.code === 'string' ? body.error.code : undefined,
    };
  } catch {
    return {};
  }
}

/**
 * useChat turns a non-2xx reply into an Error whose message is the raw body; this fetch throws
 * a typed error instead, so the page can show a countdown or a budget notice, never raw JSON.
 */
async function fetchChat(input: RequestInfo | URL, init?: RequestInit): Promise<Response> {
  const response = await fetch(input, init);
  if (response.ok) return response;
  const { message, code } = await readErrorBody(response);
  const retryAfter = Number(response.headers.get('retry-after'));
  throw new ChatRequestError(
    message ?? `The gateway answered ${response.status}.`,
    response.status,
    code ?? 'unknown',
    Number.isFinite(retryAfter) && retryAfter > 0 ? retryAfter : undefined,
  );
}

export function createChatTransport() {
  return new DefaultChatTransport<ChatUIMessage>({ api: '/api/chat', fetch: fetchChat });
}
