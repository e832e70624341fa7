import { connect, createServer, type Socket } from 'node:net';
import { track } from './cleanup.js';

interface Link {
  readonly client: Socket;
  readonly upstream: Socket;
  sent: string;
  held: Buffer[] | undefined;
  // Cut after a command: the upstream side ends by itself once what was sent is delivered.
  cut: boolean;
}

/** A TCP proxy in front of a local port whose connections can be stalled one by one. */
export interface TcpProxy {
  readonly port: number;
  /**
   * Holds back what the target answers on every connection whose client has sent `marker` so far (say
   * `XREAD`: a Redis client's blocking reader), as a stalled network path would; returns how many.
   */
  stallWhereSent(marker: string): number;
  /** Delivers what was held back and stops holding. */
  resume(): void;
  /**
   * The next time a connection that has not sent `unless` sends `marker`, forwards that chunk, then
   * closes the connection before any answer comes back: the command ran, its reply is lost.
   */
  cutAfterNext(marker: string, unless: string): void;
}

/** Starts a proxy on an ephemeral port to `127.0.0.1:targetPort`; closed after the test. */
export async function startTcpProxy(targetPort: number): Promise<TcpProxy> {
  const links = new Set<Link>();
  let cut: { marker: string; unless: string } | undefined;
  const server = createServer((client) => {
    const upstream = connect(targetPort, '127.0.0.1');
    const link: Link = { client, upstream, sent: '', held: undefined, cut: false };
    links.add(link);
    client.on('data', (chunk: Buffer) => {
      // What a client sent is only matched against markers: keep its start, bounded.
      if (link.sent.length < 65_536) link.sent += chunk.toString('latin1');
      if (cut && chunk.toString('latin1').includes(cut.marker) && !link.sent.includes(cut.unless)) {
        cut = undefined;
        link.held = [];
        link.cut = true;
        upstream.end(chunk); // delivered, then closed: the server runs it and its answer goes nowhere
        client.destroy();
        return;
      }
      upstream.write(chunk);
    });
    upstream.on('data', (chunk: Buffer) => {
      if (link.held) link.held.push(chunk);
      else client.write(chunk);
    });
    const end = () => {
      links.delete(link);
      client.destroy();
      if (!link.cut) upstream.destroy();
    };
    client.on('close', end).on('error', end);
    upstream.on('close', end).on('error', end);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  track(server, (s) => {
    for (const link of links) link.client.destroy();
    return new Promise<void>((resolve) => s.close(() => resolve()));
  });
  const address = server.address();
  if (address === null || typeof address === 'string') throw new Error('proxy has no port');
  return {
    port: address.port,
    stallWhereSent(marker) {
      let stalled = 0;
      for (const link of links) {
        if (!link.sent.includes(marker)) continue;
        link.held ??= [];
        stalled += 1;
      }
      return stalled;
    },
    cutAfterNext(marker, unless) {
      cut = { marker, unless };
    },
    resume() {
      for (const link of links) {
        const held = link.held;
        link.held = undefined;
        for (const chunk of held ?? []) link.client.write(chunk);
      }
    },
  };
}
