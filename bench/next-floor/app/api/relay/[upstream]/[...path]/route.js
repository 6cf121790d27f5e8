// The relay: /api/relay/<upstream>/<path> goes to <base URL of upstream>/<path>, where
// NEXT_FLOOR_UPSTREAMS is a JSON object of base URLs by upstream name.
export const runtime = 'edge';

function upstreamBaseUrl(name) {
  // Read per request, so one build serves whatever ports the benchmark's upstreams got.
  const baseUrls = JSON.parse(process.env.NEXT_FLOOR_UPSTREAMS ?? '{}');
  return Object.hasOwn(baseUrls, name) ? baseUrls[name] : undefined;
}

async function relay(request, { params }) {
  const { upstream, path } = await params;
  const baseUrl = upstreamBaseUrl(upstream);
  if (!baseUrl) return new Response('unknown upstream', { status: 404 });
  const hasBody = request.method !== 'GET' && request.method !== 'HEAD';
  const contentType = request.headers.get('content-type');
  const answer = await fetch(`${baseUrl}/${path.join('/')}`, {
    method: request.method,
    headers: contentType ? { 'content-type': contentType } : {},
    body: hasBody ? await request.arrayBuffer() : undefined,
  });
  const answerType = answer.headers.get('content-type') ?? 'application/octet-stream';
  const headers = { 'content-type': answerType };
  // Without no-transform, `next start` gzips event streams.
  if (answerType.startsWith('text/event-stream')) {
    headers['cache-control'] = 'no-cache, no-transform';
  }
  return new Response(answer.body, { status: answer.status, headers });
}

export { relay as GET, relay as POST };
