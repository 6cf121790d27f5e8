/**
 * GET /api/v1/responses: Codex tries the Responses WebSocket transport first when its provider
 * allows it (`supports_websockets`); a quick 426 makes it fall back to HTTP streaming at once.
 */
export function refuseWebSocket(): Response {
  return Response.json(
    {
      error: {
        message:
          'The Responses WebSocket transport is not supported: POST /api/v1/responses streams over HTTP (set supports_websockets = false).',
        type: 'invalid_request_error',
        code: 'websocket_not_supported',
        param: null,
      },
    },
    { status: 426, headers: { allow: 'POST, OPTIONS', 'cache-control': 'no-store' } },
  );
}
