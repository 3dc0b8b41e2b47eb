import type { IncomingHttpHeaders } from 'node:http';
import { StringDecoder } from 'node:string_decoder';
import type { Dispatcher } from 'undici';

/** One answer read whole: its status, its headers as undici parses them, its body as text. */
export interface TextAnswer {
  statusCode: number;
  headers: IncomingHttpHeaders;
  text: string;
}

/** What goes on the wire: path and query exactly as given, never re-parsed. */
export interface DispatchRequest {
  origin: string;
  path: string;
  method: 'GET' | 'POST';
  headers: Record<string, string>;
  body: string | null;
}

/**
 * Sends one request through `dispatcher.dispatch` and reads the whole answer as UTF-8 text,
 * a byte order mark dropped (as undici's `body.text()` does). It does what
 * `dispatcher.request` + `body.text()` did with less per request (no response stream, no
 * AbortSignal with its listeners, no async-context bookkeeping), which matters at 20,000
 * requests a cycle. `timeoutMs` bounds the whole attempt, from dispatch to the last byte of the
 * body; past it the attempt fails with a DOMException named TimeoutError, as an aborted signal
 * made it fail before.
 */
export function dispatchText(dispatcher: Dispatcher, request: DispatchRequest, timeoutMs: number): Promise<TextAnswer> {
  return new Promise((resolve, reject) => {
    let controller: Dispatcher.DispatchController | undefined;
    let timedOut: Error | undefined;
    let settled = false;
    let statusCode = 0;
    let headers: IncomingHttpHeaders = {};
    const chunks: Buffer[] = [];
    const settle = (error: Error | undefined, answer?: TextAnswer): void => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      if (error) reject(error);
      else resolve(answer as TextAnswer);
    };
    // A timer cleared on completion (not AbortSignal.timeout, whose pending timers would keep each
    // finished request reachable for timeoutMs). Before the request reached a connection it is
    // aborted as soon as it does.
    const timer = setTimeout(() => {
      timedOut = new DOMException('request timed out', 'TimeoutError');
      controller?.abort(timedOut);
    }, timeoutMs);
    // undici reports its own failures through onResponseError; a dispatcher that throws instead
    // still settles the attempt (and clears its timer).
    try {
      dispatcher.dispatch(request, {
        onRequestStart(started) {
          controller = started;
          if (timedOut) started.abort(timedOut);
        },
        onResponseStart(_controller, status, responseHeaders) {
          // 1xx answers are interim: the final one follows.
          if (status < 200) return;
          statusCode = status;
          headers = responseHeaders;
        },
        onResponseData(_controller, chunk) {
          chunks.push(chunk);
        },
        onResponseEnd() {
          settle(undefined, { statusCode, headers, text: decodeUtf8(chunks) });
        },
        onResponseError(_controller, error) {
          settle(error);
        },
      });
    } catch (error) {
      settle(error instanceof Error ? error : new Error(String(error)));
    }
  });
}

/**
 * The chunks as one UTF-8 text, a byte order mark dropped. Several chunks (a bulk page of
 * 300 KB) are decoded one by one rather than copied into one buffer first: that copy is memory
 * outside the heap, given back only once a GC finds its buffer unreachable.
 */
function decodeUtf8(received: readonly Buffer[]): string {
  // A first chunk of under 3 bytes may hold part of a byte order mark: it is joined to the rest.
  const chunks = received.length > 1 && (received[0] as Buffer).length < 3 ? [Buffer.concat(received)] : received;
  const first = chunks[0];
  if (first === undefined) return '';
  const bom = first.length > 2 && first[0] === 0xef && first[1] === 0xbb && first[2] === 0xbf;
  if (chunks.length === 1) return first.toString('utf8', bom ? 3 : 0);
  const decoder = new StringDecoder('utf8');
  let text = decoder.write(bom ? first.subarray(3) : first);
  for (let i = 1; i < chunks.length; i++) text += decoder.write(chunks[i] as Buffer);
  return text + decoder.end();
}
