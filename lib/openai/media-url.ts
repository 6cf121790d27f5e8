/**
 * The rule for URLs a client puts in a request (image_url, file parts). The gateway never fetches
 * them: an http(s) URL goes to a provider that fetches it itself, a `data:` URL carries the bytes
 * inside the body (so the body limit bounds it). What is refused here is what no provider should
 * be asked to fetch or decode.
 */
export function mediaUrlProblem(
  url: string,
  { imagesOnly }: { imagesOnly: boolean },
): string | undefined {
  if (/^data:/i.test(url)) return dataUrlProblem(url, imagesOnly);
  if (!/^https?:\/\//i.test(url)) return 'must be an http(s) URL or a base64 data: URL';
  if (url.length > maxUrlLength) return `must be at most ${maxUrlLength} characters`;
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    return 'is not a valid URL';
  }
  if (parsed.username || parsed.password) return 'must not carry credentials';
  if (isInternalHost(parsed.hostname)) return 'points to a private or local address';
  return undefined;
}

const maxUrlLength = 8192;

// SVG can carry scripts, and no chat provider takes it; the others are the images they do take.
const dataUrl = /^data:([a-z0-9.+-]+\/[a-z0-9.+-]+)((?:;[a-z0-9-]+=[^;,]*)*);base64,/i;

function dataUrlProblem(url: string, imagesOnly: boolean): string | undefined {
  const match = dataUrl.exec(url);
  if (!match) return 'must be a base64 data: URL (data:<type>;base64,<data>)';
  const mediaType = (match[1] as string).toLowerCase();
  if (mediaType === 'image/svg+xml') return 'SVG images are not accepted';
  if (imagesOnly && !mediaType.startsWith('image/')) return 'must be an image';
  const data = url.slice(match[0].length);
  if (data.length === 0 || data.length % 4 !== 0 || !/^[A-Za-z0-9+/]+={0,2}$/.test(data)) {
    return 'has invalid base64 data';
  }
  return undefined;
}

/**
 * Literal loopback, private, link-local and unspecified addresses, and `localhost`. A name that
 * resolves to one cannot be caught without resolving it, which is why nothing is fetched here.
 */
function isInternalHost(hostname: string): boolean {
  const host = hostname.toLowerCase().replace(/^\[|\]$/g, '');
  if (host === 'localhost' || host.endsWith('.localhost') || host.endsWith('.internal'))
    return true;
  const v4 = /^(\d+)\.(\d+)\.(\d+)\.(\d+)$/.exec(host.replace(/^::ffff:/, ''));
  if (v4) {
    const [a, b] = [Number(v4[1]), Number(v4[2])];
    return (
      a === 0 ||
      a === 10 ||
      a === 127 ||
      (a === 100 && b >= 64 && b <= 127) ||
      (a === 169 && b === 254) ||
      (a === 172 && b >= 16 && b <= 31) ||
      (a === 192 && b === 168) ||
      a >= 224
    );
  }
  if (host.includes(':')) {
    return (
      host === '::' ||
      host === '::1' ||
      /^f[cd][0-9a-f]{2}:/.test(host) ||
      /^fe[89ab][0-9a-f]:/.test(host) ||
      // An IPv4-mapped address in hex form (`::ffff:7f00:1`).
      host.startsWith('::ffff:')
    );
  }
  return false;
}
