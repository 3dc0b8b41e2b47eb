/**
 * An msw server for a unit test file: listening for the whole file, handlers reset after each test.
 *
 * msw only intercepts `fetch`; every production client sends through undici's dispatch.
 * `mswDispatcher()` bridges the two: an undici dispatcher whose every connection goes to a
 * loopback server that answers with the same handlers, so a test written with msw handlers
 * runs the transport production uses (real sockets, undici's parsing, timeouts, aborts).
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { connect, type AddressInfo, type Socket } from 'node:net';
import { getResponse, RequestHandler } from 'msw';
import { setupServer, type SetupServer } from 'msw/node';
import { Agent, type Dispatcher } from 'undici';
import { afterAll, afterEach, beforeAll } from 'vitest';

/** The handlers of the file's server, for the bridge (one msw server per test file). */
let current: SetupServer | undefined;
let bridge: { agent: Agent; server: Server; listening: Promise<number>; unhandled: string[] } | undefined;

/** Starts intercepting `fetch` for this test file; an unhandled request fails the test. */
export function useMswServer(...handlers: RequestHandler[]): SetupServer {
  const server = setupServer(...handlers);
  current = server;
  beforeAll(() => server.listen({ onUnhandledRequest: 'error' }));
  afterEach(() => {
    server.resetHandlers();
    const unhandled = bridge?.unhandled.splice(0) ?? [];
    if (unhandled.length > 0) throw new Error(`requests no msw handler answered: ${unhandled.join(', ')}`);
  });
  afterAll(async () => {
    server.close();
    if (bridge) {
      const { agent, server: loopback } = bridge;
      bridge = undefined;
      await agent.close();
      loopback.closeAllConnections();
      await new Promise((resolve) => loopback.close(resolve));
    }
  });
  return server;
}

/** An undici dispatcher answered by this file's msw handlers over a loopback socket (see above). */
export function mswDispatcher(): Dispatcher {
  if (!current) throw new Error('mswDispatcher(): call useMswServer() in this test file first');
  bridge ??= startBridge(current);
  return bridge.agent;
}

function startBridge(msw: SetupServer): NonNullable<typeof bridge> {
  // The scheme does not travel over the socket: remembered per connection, by the client's port.
  const schemes = new Map<number, string>();
  const unhandled: string[] = [];
  const server = createServer((req, res) => {
    answer(msw, req, res, schemes, unhandled).catch((error: unknown) => {
      unhandled.push(`${req.method} ${req.url} (${String(error)})`);
      res.destroy();
    });
  });
  const listening = new Promise<number>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve((server.address() as AddressInfo).port));
  });
  const agent = new Agent({
    connect: (options, callback) => {
      listening.then(
        (port) => {
          const socket: Socket = connect(port, '127.0.0.1');
          socket.once('error', (error) => callback(error, null));
          socket.once('connect', () => {
            schemes.set(socket.localPort ?? 0, options.protocol);
            callback(null, socket);
          });
        },
        (error: unknown) => callback(error instanceof Error ? error : new Error(String(error)), null),
      );
    },
  });
  return { agent, server, listening, unhandled };
}

async function answer(
  msw: SetupServer,
  req: IncomingMessage,
  res: ServerResponse,
  schemes: Map<number, string>,
  unhandled: string[],
): Promise<void> {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  const protocol = schemes.get(req.socket.remotePort ?? 0) ?? 'http:';
  const url = `${protocol}//${req.headers.host ?? 'localhost'}${req.url ?? '/'}`;
  const headers = new Headers();
  for (const [name, value] of Object.entries(req.headers)) {
    if (value === undefined || ['host', 'connection', 'content-length', 'transfer-encoding', 'keep-alive'].includes(name)) continue;
    for (const one of Array.isArray(value) ? value : [value]) headers.append(name, one);
  }
  const method = req.method ?? 'GET';
  const body = chunks.length > 0 && method !== 'GET' && method !== 'HEAD' ? Buffer.concat(chunks) : undefined;
  const request = new Request(url, { method, headers, ...(body ? { body } : {}) });
  const response = await getResponse(
    msw.listHandlers().filter((handler): handler is RequestHandler => handler instanceof RequestHandler),
    request,
  );
  if (!response) {
    unhandled.push(`${method} ${url}`);
    res.writeHead(500, { 'content-type': 'text/plain' }).end('no msw handler answered this request');
    return;
  }
  // HttpResponse.error(): a network error, as fetch would see it.
  if (response.type === 'error') {
    res.destroy();
    return;
  }
  const outHeaders: Record<string, string | string[]> = {};
  response.headers.forEach((value, name) => {
    if (name === 'set-cookie') outHeaders[name] = response.headers.getSetCookie();
    else if (name !== 'content-length' && name !== 'transfer-encoding') outHeaders[name] = value;
  });
  const bytes = Buffer.from(await response.arrayBuffer());
  res.writeHead(response.status, response.statusText || undefined, { ...outHeaders, 'content-length': String(bytes.length) });
  res.end(bytes);
}
