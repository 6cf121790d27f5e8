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

/**
 * A refinement for a union with a catch-all member (`{ type: string }`, kept so a relay carries
 * item types the gateway does not know): an item whose type names a documented shape must have
 * that shape, and its problem is that shape's own message. The union alone would take a
 * malformed known item for an unknown one.
 */
export function checkShapeByType(
  shapes: Record<string, z.ZodType>,
  typeOf: (item: Record<string, unknown>) => unknown = (item) => item.type,
) {
  return (item: Record<string, unknown>, context: z.RefinementCtx) => {
    const type = typeOf(item);
    const shape =
      typeof type === 'string' && Object.hasOwn(shapes, type) ? shapes[type] : undefined;
    const result = shape?.safeParse(item);
    for (const issue of result?.error?.issues ?? []) {
      context.addIssue({ code: 'custom', path: issue.path, message: issue.message });
    }
  };
}
