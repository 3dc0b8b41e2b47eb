/** True when an answer is an HTML page (a login page, a proxy's error page) rather than JSON. */
export function looksLikeHtml(contentType: string | null, text: string): boolean {
  return /text\/html/i.test(contentType ?? '') || /^\s*<(!doctype|html)/i.test(text);
}

/**
 * One short line for a failed request (no answer at all): timeout, refused, unknown host, or
 * the error code. `baseUrlKey` names the config key to check, e.g. "isc.baseUrl".
 */
export function describeNetworkError(error: unknown, timeoutMs: number, service: string, baseUrlKey: string): string {
  // fetch wraps undici's error in `cause`; the dispatcher's request API throws it as is.
  const err = error as { name?: string; message?: string; code?: string; cause?: { code?: string; message?: string } };
  const code = err.cause?.code ?? err.code;
  if (err.name === 'TimeoutError' || code === 'UND_ERR_HEADERS_TIMEOUT' || code === 'UND_ERR_BODY_TIMEOUT') {
    return `no answer within ${timeoutMs / 1000} s (timeout)`;
  }
  if (code === 'ECONNREFUSED') return `connection refused (is ${service} reachable, and ${baseUrlKey} right?)`;
  if (code === 'ENOTFOUND') return `host not found (check ${baseUrlKey})`;
  return [code, err.cause?.message ?? err.message].filter(Boolean).join(' ');
}
