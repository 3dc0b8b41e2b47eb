/** True when an answer is an HTML page (a login page, a proxy's error page) rather than JSON. */
export function looksLikeHtml(contentType: string | null, text: string): boolean {
  return /text\/html/i.test(contentType ?? '') || /^\s*<(!doctype|html)/i.test(text);
}
