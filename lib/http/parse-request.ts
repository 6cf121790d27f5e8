import type { z } from 'zod';
import { GatewayError } from '@/lib/errors';

/** Validates a request body; the first problem becomes a 400 whose `param` names the field. */
export function parseRequest<T extends z.ZodType>(schema: T, body: unknown): z.infer<T> {
  const result = schema.safeParse(body);
  if (result.success) return result.data;
  const issue = result.error.issues[0];
  const param = (issue?.path ?? [])
    .map((key, index) =>
      typeof key === 'number' ? `[${key}]` : `${index ? '.' : ''}${String(key)}`,
    )
    .join('');
  const message = issue?.message ?? 'Invalid request.';
  throw new GatewayError('invalid_request', param ? `${param}: ${message}` : message, {
    param: param || null,
  });
}
