import { DefaultChatTransport } from 'ai';
import { toApiError } from '@/components/ui/api';
import type { ChatUIMessage } from '@/lib/chat/replies';

/**
 * useChat turns a non-2xx reply into an Error whose message is the raw body; this fetch throws
 * an `ApiError` instead (code, status, Retry-After), so the page can show a countdown or a
 * budget notice, never raw JSON.
 */
async function fetchChat(input: RequestInfo | URL, init?: RequestInit): Promise<Response> {
  const response = await fetch(input, init);
  if (!response.ok) throw await toApiError(response);
  return response;
}

export function createChatTransport() {
  return new DefaultChatTransport<ChatUIMessage>({ api: '/api/chat', fetch: fetchChat });
}
