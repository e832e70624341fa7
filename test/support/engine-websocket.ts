import { once } from 'node:events';
import { request } from 'node:http';
import type { Socket } from 'node:net';

// No test framework here: bench/flood-probe.ts uses this too (neither folder is in the npm package).

/** A client WebSocket text frame: FIN + text, masked with a zero key (valid, the payload stays as written). */
export function clientFrame(payload: string): Buffer {
  const body = Buffer.from(payload);
  const mask = Buffer.alloc(4);
  if (body.length < 126) return Buffer.concat([Buffer.from([0x81, 0x80 | body.length]), mask, body]);
  // Longer payloads give their length in the 2 or 8 bytes after the 126 or 127 marker.
  const length = body.length < 0x10000 ? Buffer.alloc(3) : Buffer.alloc(9);
  if (length.length === 3) length.writeUInt16BE(body.length, 1);
  else length.writeBigUInt64BE(BigInt(body.length), 1);
  length[0] = 0x80 | (length.length === 3 ? 126 : 127);
  return Buffer.concat([Buffer.from([0x81]), length, mask, body]);
}

/**
 * Opens a WebSocket to the engine.io endpoint at `url` by hand (no socket.io-client, so a caller can write
 * thousands of frames in one go), answers engine.io's open and pings, joins the default namespace (unless
 * `join: false`), and resolves with the TCP socket once joined (or opened). Every text packet the server sends goes to `onPacket`
 * (`0{...}` open, `40{...}` joined, `42[...]` events, `43...` acks, `41` disconnect); a close frame is
 * answered as a WebSocket client does, and the connection ended.
 */
export async function openEngineWebSocket(
  url: string,
  onPacket: (text: string) => void = () => {},
  options: { join?: boolean } = {},
): Promise<Socket> {
  const join = options.join ?? true;
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
        socket.end(Buffer.from([0x88, 0x80, 0, 0, 0, 0]));
        return;
      }
      if (opcode !== 1) continue;
      if (text.startsWith('0{')) {
        // Without joining, the connection is ready once engine.io has opened it.
        if (join) socket.write(clientFrame('40'));
        else joined();
      } else if (text.startsWith('40{')) joined();
      else if (text === '2') socket.write(clientFrame('3'));
      onPacket(text);
    }
  };
  socket.on('data', onData);
  // The upgrade answer's own packet may come in the same read as the HTTP head.
  if (head.length > 0) onData(head);
  await ready;
  return socket;
}
