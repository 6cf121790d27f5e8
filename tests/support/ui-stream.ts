/** Reads an AI SDK UI message stream (SSE) into its parts, as `useChat` would receive them. */
export async function readUIStream(response: Response): Promise<Array<Record<string, unknown>>> {
  const text = await response.text();
  return text
    .split('\n\n')
    .map((event) => event.trim())
    .filter((event) => event.startsWith('data: ') && event !== 'data: [DONE]')
    .map((event) => JSON.parse(event.slice('data: '.length)));
}

export function textOf(parts: Array<Record<string, unknown>>): string {
  return parts
    .filter((part) => part.type === 'text-delta')
    .map((part) => part.delta)
    .join('');
}
