import { GatewayError } from '@/lib/errors';

export interface ReadJsonOptions {
  /** Refuse a body in which one object names a key twice (`JSON.parse` keeps the last). */
  rejectDuplicateKeys?: boolean;
}

/**
 * Reads a JSON body without trusting Content-Length: the bytes are counted as they arrive and
 * reading stops at `maxBytes`, so a client cannot make the gateway buffer more, chunked or not.
 */
export async function readJsonBody(
  request: Request,
  maxBytes: number,
  { rejectDuplicateKeys = false }: ReadJsonOptions = {},
): Promise<unknown> {
  const tooLarge = () =>
    new GatewayError('payload_too_large', `The request body is larger than ${maxBytes} bytes.`);
  const declared = Number(request.headers.get('content-length') ?? Number.NaN);
  if (declared > maxBytes) throw tooLarge();

  const chunks: Uint8Array[] = [];
  let size = 0;
  if (request.body) {
    const reader = request.body.getReader();
    for (;;) {
      const { done, value } = await reader.read();
      if (done) break;
      size += value.byteLength;
      if (size > maxBytes) {
        // Not awaited: a cancel settles only once the client stops sending, and the 413 must
        // not wait for that (a chunked upload would hang until the client gives up).
        reader.cancel().catch(() => {});
        throw tooLarge();
      }
      chunks.push(value);
    }
  }
  const bytes = new Uint8Array(size);
  let offset = 0;
  for (const chunk of chunks) {
    bytes.set(chunk, offset);
    offset += chunk.byteLength;
  }
  const text = new TextDecoder().decode(bytes);
  let body: unknown;
  try {
    body = JSON.parse(text);
  } catch {
    throw new GatewayError('invalid_json', 'The request body is not valid JSON.');
  }
  const duplicate = rejectDuplicateKeys ? findDuplicateKey(text) : undefined;
  if (duplicate !== undefined) {
    throw new GatewayError('invalid_json', `The request body names the key "${duplicate}" twice.`, {
      param: duplicate,
    });
  }
  return body;
}

/** The first key that one object of a valid JSON text names twice, if any. */
export function findDuplicateKey(text: string): string | undefined {
  // One entry per open container: the keys seen in an object, null for an array.
  const open: Array<Set<string> | null> = [];
  let expectingKey = false;
  for (let index = 0; index < text.length; index++) {
    const char = text[index];
    if (char === '"') {
      let end = index + 1;
      while (text[end] !== '"') end += text[end] === '\\' ? 2 : 1;
      const keys = open.at(-1);
      if (keys && expectingKey) {
        const key = JSON.parse(text.slice(index, end + 1)) as string;
        if (keys.has(key)) return key;
        keys.add(key);
        expectingKey = false;
      }
      index = end;
    } else if (char === '{') {
      open.push(new Set());
      expectingKey = true;
    } else if (char === '[') {
      open.push(null);
      expectingKey = false;
    } else if (char === '}' || char === ']') {
      open.pop();
      expectingKey = false;
    } else if (char === ',') {
      expectingKey = Boolean(open.at(-1));
    }
  }
  return undefined;
}
