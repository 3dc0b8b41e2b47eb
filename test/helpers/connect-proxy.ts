/** A forward proxy on loopback that only tunnels (HTTP CONNECT), like a corporate proxy in front of HTTPS. */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { connect } from 'node:net';

/** A running tunnel-only proxy: `tunnels` lists each CONNECT target (`host:port`) in arrival order. */
export interface ConnectProxy {
  server: Server;
  url: string;
  tunnels: string[];
}

/**
 * Starts the proxy. `route` maps a CONNECT target to the loopback port to tunnel to; undefined
 * answers `refusal` (403 by default; 407 is a proxy wanting credentials). Plain (non-CONNECT)
 * requests get 405: the proxy never forwards cleartext.
 */
export async function startConnectProxy(
  route: (host: string, port: number) => number | undefined,
  refusal = '403 Forbidden',
): Promise<ConnectProxy> {
  const tunnels: string[] = [];
  const server = createServer((_req, res) => res.writeHead(405).end());
  server.on('connect', (req, socket, head) => {
    const target = req.url ?? '';
    tunnels.push(target);
    const [host = '', port = ''] = target.split(':');
    const to = route(host, Number(port));
    if (to === undefined) {
      socket.end(`HTTP/1.1 ${refusal}\r\n\r\n`);
      return;
    }
    const upstream = connect(to, '127.0.0.1', () => {
      socket.write('HTTP/1.1 200 Connection Established\r\n\r\n');
      upstream.write(head);
      upstream.pipe(socket);
      socket.pipe(upstream);
    });
    upstream.on('error', () => socket.destroy());
    socket.on('error', () => upstream.destroy());
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()));
  return { server, url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, tunnels };
}
