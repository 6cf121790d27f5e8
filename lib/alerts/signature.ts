/**
 * Standard Webhooks signing (https://www.standardwebhooks.com/): the signature is the base64
 * HMAC-SHA256 of `${id}.${timestamp}.${body}`, keyed by the bytes the `whsec_` secret encodes.
 * Web Crypto only, so it runs on the Edge.
 */

const secretPrefix = 'whsec_';

function base64ToBytes(base64: string): Uint8Array<ArrayBuffer> {
  const binary = atob(base64);
  const bytes = new Uint8Array(binary.length);
  for (let index = 0; index < binary.length; index++) bytes[index] = binary.charCodeAt(index);
  return bytes;
}

function bytesToBase64(bytes: Uint8Array): string {
  let binary = '';
  for (const byte of bytes) binary += String.fromCharCode(byte);
  return btoa(binary);
}

/** The value of `webhook-signature` for one attempt: `v1,<base64>`. */
export async function signWebhook(
  secret: string,
  message: { id: string; timestampSeconds: number; body: string },
): Promise<string> {
  const encoded = secret.startsWith(secretPrefix) ? secret.slice(secretPrefix.length) : secret;
  const key = await crypto.subtle.importKey(
    'raw',
    base64ToBytes(encoded),
    { name: 'HMAC', hash: 'SHA-256' },
    false,
    ['sign'],
  );
  const signed = `${message.id}.${message.timestampSeconds}.${message.body}`;
  const mac = await crypto.subtle.sign('HMAC', key, new TextEncoder().encode(signed));
  return `v1,${bytesToBase64(new Uint8Array(mac))}`;
}

/** The three headers of a delivery attempt; the timestamp is the attempt's, the id the alert's. */
export async function webhookHeaders(
  secret: string,
  message: { id: string; timestampSeconds: number; body: string },
): Promise<Record<string, string>> {
  return {
    'content-type': 'application/json',
    'webhook-id': message.id,
    'webhook-timestamp': String(message.timestampSeconds),
    'webhook-signature': await signWebhook(secret, message),
  };
}
