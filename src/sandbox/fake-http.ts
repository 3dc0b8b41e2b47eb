/**
 * Plumbing shared by the fake IdentityIQ and fake PagerDuty: canned answers, request bodies,
 * HTTP Basic parsing, and a loopback server whose close() never waits on a hanging request.
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';

/** A canned answer; `hang: true` never answers (until close). Content-type is guessed from the body when not given. */
export interface FakeResponse {
  status: number;
  body?: string;
  headers?: Record<string, string>;
  hang?: boolean;
}

/** Writes a canned answer with content-length, so keep-alive connections stay usable. */
export function writeResponse(res: http.ServerResponse, r: FakeResponse): void {
  if (res.destroyed || res.writableEnded) return; // the client gave up, or close() ran meanwhile
  const body = r.body ?? '';
  const headers: Record<string, string> = { ...r.headers };
  if (body && !Object.keys(headers).some((h) => h.toLowerCase() === 'content-type')) {
    headers['content-type'] = /^\s*[[{]/.test(body) ? 'application/json' : /^\s*</.test(body) ? 'text/html' : 'text/plain';
  }
  // Encoded once: Buffer.byteLength and then the socket would each walk a 300 KB page.
  const bytes = Buffer.from(body, 'utf8');
  res.writeHead(r.status, { ...headers, 'content-length': String(bytes.length) });
  res.end(bytes);
}

/** Reads the whole request body as UTF-8. */
export async function readBody(req: http.IncomingMessage): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString('utf8');
}

/** The user and password of an `Authorization: Basic` header, or undefined when it is not one. */
export function basicCredentials(header: string | undefined): [string, string] | undefined {
  const m = /^Basic\s+(\S+)$/i.exec(header ?? '');
  if (!m?.[1]) return undefined;
  const text = Buffer.from(m[1], 'base64').toString('utf8');
  const colon = text.indexOf(':');
  return colon < 0 ? undefined : [text.slice(0, colon), text.slice(colon + 1)];
}

/** Serves `handler` on 127.0.0.1 at a free port with keep-alive; close() also destroys open sockets. */
export async function listenLocal(
  handler: (req: http.IncomingMessage, res: http.ServerResponse) => Promise<void>,
): Promise<{ port: number; close(): Promise<void> }> {
  const server = http.createServer((req, res) => {
    handler(req, res).catch(() => res.destroy()); // a broken request must not crash the test process
  });
  // Clients under test reuse connections (undici keep-alive); don't drop them between cycles.
  server.keepAliveTimeout = 10_000;
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve());
  });
  return {
    port: (server.address() as AddressInfo).port,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections(); // hanging requests would otherwise keep close() waiting forever
      }),
  };
}
