/**
 * dispatchText on a real loopback server: it reads an answer whole as `body.text()` did (a
 * character split across chunks, a byte order mark dropped, repeated headers as a list), and its
 * timeout bounds the whole attempt, a body that stops halfway included.
 */
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Agent } from 'undici';
import { afterEach, describe, expect, it } from 'vitest';
import { dispatchText } from '../../../src/http/dispatch-text.js';

const cleanups: (() => Promise<unknown>)[] = [];
afterEach(async () => {
  await Promise.all(cleanups.splice(0).map((close) => close()));
});

async function serve(handler: (req: IncomingMessage, res: ServerResponse) => void): Promise<{ origin: string; agent: Agent }> {
  const server = createServer(handler);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()));
  const agent = new Agent();
  cleanups.push(
    () => agent.destroy(),
    () => {
      server.closeAllConnections();
      return new Promise((resolve) => server.close(resolve));
    },
  );
  return { origin: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, agent };
}

const get = (origin: string) => ({ origin, path: '/x?y=1', method: 'GET' as const, headers: {}, body: null });

describe('dispatchText', () => {
  it('reads the body whole as UTF-8, a character split across chunks, a byte order mark dropped', async () => {
    const text = Buffer.from('\uFEFF{"name":"Müller"}', 'utf8');
    const split = text.indexOf(0xc3) + 1; // inside the two bytes of ü
    const { origin, agent } = await serve((_req: IncomingMessage, res: ServerResponse) => {
      res.writeHead(200, { 'content-type': 'application/json', 'set-cookie': ['a=1', 'b=2'] });
      res.write(text.subarray(0, split));
      setImmediate(() => res.end(text.subarray(split)));
    });
    const answer = await dispatchText(agent, get(origin), 5_000);
    expect(answer.statusCode).toBe(200);
    expect(answer.text).toBe('{"name":"Müller"}');
    expect(answer.headers['content-type']).toBe('application/json');
    expect(answer.headers['set-cookie']).toEqual(['a=1', 'b=2']);
  });

  it('a byte order mark split across the first chunks is dropped too', async () => {
    const { origin, agent } = await serve((_req, res) => {
      res.writeHead(200, { 'content-type': 'application/json' });
      res.write(Buffer.from([0xef, 0xbb]));
      setImmediate(() => res.end(Buffer.from([0xbf, ...Buffer.from('{"a":1}')])));
    });
    expect((await dispatchText(agent, get(origin), 5_000)).text).toBe('{"a":1}');
  });

  it('an empty body is the empty text', async () => {
    const { origin, agent } = await serve((_req: IncomingMessage, res: ServerResponse) => {
      res.writeHead(204);
      res.end();
    });
    expect(await dispatchText(agent, get(origin), 5_000)).toMatchObject({ statusCode: 204, text: '' });
  });

  it('times out with a TimeoutError when no answer comes, and when the body stops halfway', async () => {
    const silent = await serve(() => undefined);
    await expect(dispatchText(silent.agent, get(silent.origin), 50)).rejects.toMatchObject({ name: 'TimeoutError' });
    const halfway = await serve((_req: IncomingMessage, res: ServerResponse) => {
      res.writeHead(200, { 'content-length': '100' });
      res.write('{"partial":');
    });
    await expect(dispatchText(halfway.agent, get(halfway.origin), 50)).rejects.toMatchObject({ name: 'TimeoutError' });
  });
});
