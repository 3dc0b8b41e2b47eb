/** How to word a failed connection for one upstream. */
export interface NetworkErrorContext {
  timeoutMs: number;
  /** The config key of the URL, named in hints ("iiq.baseUrl"). */
  urlKey: string;
  /** The config key of an extra CA file, when the upstream has one ("iiq.caFile"). */
  caFileKey?: string;
  /** Named in "is … up" ("IIQ"); "the service" when absent. */
  service?: string;
  /** The proxy this request went through (origin only), named when it refused the tunnel. */
  proxyOrigin?: string | undefined;
}

/** The error chain as plain fields: the code may sit on a `cause` (a wrapped socket or TLS error). */
interface ErrorLike {
  name?: unknown;
  message?: unknown;
  code?: unknown;
  cause?: unknown;
}

/** Each error of a `cause` chain, outermost first (a few levels at most). */
function causeChain(error: unknown): ErrorLike[] {
  const chain: ErrorLike[] = [];
  let current: unknown = error;
  while (current && typeof current === 'object' && chain.length < 5) {
    const link: ErrorLike = current;
    chain.push(link);
    current = link.cause;
  }
  return chain;
}

/** The first string error code of the chain (a DOMException's numeric `code` is not one). */
function errorCode(error: unknown): string | undefined {
  for (const link of causeChain(error)) if (typeof link.code === 'string' && link.code !== '') return link.code;
  return undefined;
}

/** The status a proxy answered to CONNECT, when that is why the request failed (undici words it this way). */
export function proxyRefusalStatus(error: unknown): number | undefined {
  for (const link of causeChain(error)) {
    const match = typeof link.message === 'string' ? /Proxy response \((\d{3})\) !== 200/.exec(link.message) : null;
    if (match) return Number(match[1]);
  }
  return undefined;
}

/** Failures that happen before any byte of the request reached the server: nothing was acted on. */
const BEFORE_SENDING = new Set([
  'ECONNREFUSED',
  'ENOTFOUND',
  'EAI_AGAIN',
  'UND_ERR_CONNECT_TIMEOUT',
  'ERR_INVALID_URL',
  'EHOSTUNREACH',
  'ENETUNREACH',
]);

/**
 * True when the request certainly never reached the server (refused, unknown host, TLS or proxy
 * refusal); false when it may have (a timeout waiting for the answer, a reset): the server may
 * have acted on it without our seeing the answer.
 */
export function failedBeforeSending(error: unknown): boolean {
  if (proxyRefusalStatus(error) !== undefined) return true;
  const code = errorCode(error);
  return (
    code !== undefined && (BEFORE_SENDING.has(code) || code in CERTIFICATE_PROBLEMS || code.startsWith('ERR_SSL_') || code === 'EPROTO')
  );
}

/** TLS verification failures Node reports by code, in words an operator acts on. */
const CERTIFICATE_PROBLEMS: Record<string, string> = {
  DEPTH_ZERO_SELF_SIGNED_CERT: 'the server has a self-signed certificate',
  SELF_SIGNED_CERT_IN_CHAIN: 'a self-signed certificate is in the chain (an internal CA, or a TLS-inspecting proxy)',
  UNABLE_TO_VERIFY_LEAF_SIGNATURE: 'unable to verify the first certificate (an internal CA, or an incomplete chain on the server)',
  UNABLE_TO_GET_ISSUER_CERT: 'the certificate issuer is not trusted (an internal CA)',
  UNABLE_TO_GET_ISSUER_CERT_LOCALLY: 'the certificate issuer is not trusted (an internal CA)',
  CERT_HAS_EXPIRED: "the server's certificate has expired",
  CERT_NOT_YET_VALID: "the server's certificate is not valid yet (check the clock)",
  ERR_TLS_CERT_ALTNAME_INVALID: "the certificate does not name this host (the URL's host differs from the certificate's names)",
};

/** OpenSSL reasons that mean "the other side does not speak TLS here". */
const NOT_TLS = /wrong version number|packet length too long|http request|unknown protocol|record layer failure/i;

/**
 * One human line for a request that got no HTTP answer: timeout, refused, unknown host, a TLS
 * mismatch (https:// to a plain-HTTP port) or an untrusted certificate. OpenSSL's raw text
 * ("80FC...:error:0A00010B:SSL routines:...:ssl3_record.c:350:\n") never comes through.
 */
export function describeNetworkError(error: unknown, context: NetworkErrorContext): string {
  // dispatch reports undici's or Node's error as is; a wrapped one carries it in `cause`.
  const err = error as { name?: string; message?: string; cause?: { message?: unknown; name?: string } };
  const code = errorCode(error);
  const message = typeof err.cause?.message === 'string' ? err.cause.message : (err.message ?? String(error));
  const proxyStatus = proxyRefusalStatus(error);
  if (proxyStatus !== undefined)
    return `proxy ${context.proxyOrigin ?? '(from HTTPS_PROXY/HTTP_PROXY)'} refused the tunnel: HTTP ${proxyStatus}`;
  if (
    err.name === 'TimeoutError' ||
    err.cause?.name === 'TimeoutError' ||
    code === 'UND_ERR_HEADERS_TIMEOUT' ||
    code === 'UND_ERR_BODY_TIMEOUT' ||
    code === 'UND_ERR_CONNECT_TIMEOUT'
  ) {
    return `no answer within ${context.timeoutMs / 1000} s (timeout)`;
  }
  if (code === 'ECONNREFUSED') return `connection refused (is ${context.service ?? 'the service'} up, and ${context.urlKey} right?)`;
  if (code === 'ENOTFOUND' || code === 'EAI_AGAIN') return `host not found (check ${context.urlKey}, DNS and the proxy settings)`;
  if (code === 'ECONNRESET' || code === 'UND_ERR_SOCKET') return 'the connection was closed before an answer came (a proxy or firewall?)';
  const certificate = code ? CERTIFICATE_PROBLEMS[code] : undefined;
  if (certificate) {
    const hint = context.caFileKey
      ? `set ${context.caFileKey} to the issuing CA's PEM file`
      : "the issuing CA must be in Node's trust store (NODE_EXTRA_CA_CERTS)";
    return `TLS certificate not trusted: ${certificate}; ${hint}`;
  }
  if (code?.startsWith('ERR_SSL_') || code === 'EPROTO' || /SSL routines/.test(message)) {
    if (NOT_TLS.test(message) || code === 'ERR_SSL_WRONG_VERSION_NUMBER') {
      return `TLS handshake failed: the server does not answer TLS on this port (an https:// URL to a plain-HTTP port? check ${context.urlKey})`;
    }
    return `TLS handshake failed: ${openSslReason(message)}`;
  }
  return oneLine([code, message].filter(Boolean).join(' '));
}

/** The network cause in a few words, for classified messages: an error code of Node or undici, never text from the other side. */
export function classifyNetworkError(error: unknown): string {
  const err = error as { name?: string; cause?: { name?: string } };
  const code = errorCode(error);
  const proxyStatus = proxyRefusalStatus(error);
  if (proxyStatus !== undefined) return `proxy refused the tunnel (HTTP ${proxyStatus})`;
  if (
    err.name === 'TimeoutError' ||
    err.cause?.name === 'TimeoutError' ||
    code === 'UND_ERR_HEADERS_TIMEOUT' ||
    code === 'UND_ERR_BODY_TIMEOUT'
  )
    return 'timeout';
  if (code === 'ECONNREFUSED') return 'connection refused';
  if (code === 'ENOTFOUND') return 'host not found';
  return typeof code === 'string' && /^[A-Z0-9_]{2,40}$/.test(code) ? `network error ${code}` : 'network error';
}

/** The reason part of an OpenSSL error string ("...:SSL routines:func:reason:file:line:"), else the text on one line. */
function openSslReason(message: string): string {
  const reason = /SSL routines:[^:]*:([^:]+)/.exec(message)?.[1];
  return oneLine(reason ?? message);
}

function oneLine(text: string): string {
  return text.replace(/\s+/g, ' ').trim().slice(0, 300);
}
