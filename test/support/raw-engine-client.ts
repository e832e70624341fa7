import { once } from 'node:events';
import { request } from 'node:http';
import type { Socket } from 'node:net';
import { track } from './cleanup.js';

// A client WebSocket frame: FIN + text, masked with a zero key (valid, and the payload stays as written).
function frame(payload: string): Buffer {
  const body = Buffer.from(payload);
  if (body.length >= 126) throw new Error('raw frames here are short: under 126 bytes');
  return Buffer.concat([Buffer.from([0x81, 0x80 | body.length, 0, 0, 0, 0]), body]);
}

/** A WebSocket that speaks engine.io by hand, joined to the default namespace. */
export interface RawWebSocket {
  /** Every engine.io packet the server sent, as text (`42[...]` events, `41` disconnect, ...). */
  readonly packets: string[];
  /** Resolves when the TCP connection is closed. */
  readonly closed: Promise<void>;
  /** Sends engine.io packets, one frame each, in a single write: what a flooding client does. */
  write(packets: readonly string[]): void;
}

/**
 * Opens a raw WebSocket to a relay's engine.io endpoint and joins the default namespace, without
 * socket.io-client: a test can then write thousands of frames in one go. Closed after the test.
 */
export async function openRawWebSocket(url: string): Promise<RawWebSocket> {
  const { hostname, port } = new URL(url);
  const req = request({
    host: hostname,
    port,
    path: '/socket.io/?EIO=4&transport=websocket',
    headers: {
      Connection: 'Upgrade',
      Upgrade: 'websocket',
      'Sec-WebSocket-Version': '13',
      'Sec-WebSocket-Key': Buffer.from('raw-engine-test!').toString('base64'),
    },
  });
  req.end();
  const [, socket, head] = (await once(req, 'upgrade')) as [unknown, Socket, Buffer];
  track(socket, (s) => s.destroy());
  const packets: string[] = [];
  const closed = once(socket, 'close').then(() => undefined);
  socket.on('error', () => {});
  let joined: () => void = () => {};
  const ready = new Promise<void>((resolve) => {
    joined = resolve;
  });
  let pending: Buffer = Buffer.alloc(0);
  const onData = (chunk: Buffer) => {
    pending = pending.length > 0 ? Buffer.concat([pending, chunk]) : chunk;
    for (;;) {
      if (pending.length < 2) return;
      // Server frames are unmasked.
      const opcode = (pending[0] as number) & 0x0f;
      let length = (pending[1] as number) & 0x7f;
      let start = 2;
      if (length === 126) {
        if (pending.length < 4) return;
        length = pending.readUInt16BE(2);
        start = 4;
      } else if (length === 127) {
        if (pending.length < 10) return;
        length = Number(pending.readBigUInt64BE(2));
        start = 10;
      }
      if (pending.length < start + length) return;
      const text = pending.subarray(start, start + length).toString();
      pending = pending.subarray(start + length);
      if (opcode === 8) {
        // The server closes: answer as a WebSocket client does, then end the connection.
        socket.end(Buffer.from([0x88, 0x80, 0, 0, 0, 0]));
        return;
      }
      if (opcode !== 1) continue;
      if (text.startsWith('0{')) socket.write(frame('40'));
      else if (text.startsWith('40{')) joined();
      else if (text === '2') socket.write(frame('3'));
      packets.push(text);
    }
  };
  socket.on('data', onData);
  if (head.length > 0) onData(head);
  await ready;
  return {
    packets,
    closed,
    write(list) {
      socket.write(Buffer.concat(list.map(frame)));
    },
  };
}

/** An engine.io long-polling session driven by hand, joined to the default namespace. */
export interface RawPolling {
  /** POSTs packets in one request body (separated by engine.io's record separator); the status. */
  post(packets: readonly string[]): Promise<number>;
  /** One GET: the packets it carried, or `closed` when the server no longer knows the session. */
  poll(timeoutMs?: number): Promise<string[] | 'closed'>;
}

/** Opens an engine.io polling session on a relay and joins the default namespace. */
export async function openRawPolling(url: string): Promise<RawPolling> {
  const open = await (await fetch(`${url}/socket.io/?EIO=4&transport=polling`)).text();
  const { sid } = JSON.parse(open.slice(1)) as { sid: string };
  const path = `${url}/socket.io/?EIO=4&transport=polling&sid=${sid}`;
  const session: RawPolling = {
    async post(packets) {
      const response = await fetch(path, {
        method: 'POST',
        headers: { 'content-type': 'text/plain;charset=UTF-8' },
        body: packets.join('\x1e'),
      });
      await response.text();
      return response.status;
    },
    async poll(timeoutMs = 5000) {
      const response = await fetch(path, { signal: AbortSignal.timeout(timeoutMs) });
      const text = await response.text();
      if (response.status !== 200) return 'closed';
      return text.split('\x1e');
    },
  };
  await session.post(['40']);
  const joined = await session.poll();
  if (joined === 'closed' || !joined.some((packet) => packet.startsWith('40{'))) {
    throw new Error(`the polling session did not join the namespace: ${JSON.stringify(joined)}`);
  }
  return session;
}
