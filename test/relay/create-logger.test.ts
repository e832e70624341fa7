import { Writable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { createLogger } from '../../src/relay/create-logger.js';

function sink(isTTY: boolean) {
  const chunks: string[] = [];
  const stream = Object.assign(
    new Writable({
      write(chunk, _encoding, done) {
        chunks.push(String(chunk));
        done();
      },
    }),
    { isTTY },
  );
  return { stream, text: () => chunks.join('') };
}

describe('createLogger formats', () => {
  it('writes JSON by default and for auto off a terminal; pretty lines for auto on one and for pretty', () => {
    const json = sink(true);
    createLogger({ destination: json.stream }).info({ room: 'ops' }, 'hello');
    expect(JSON.parse(json.text())).toMatchObject({
      level: 30,
      msg: 'hello',
      room: 'ops',
      service: 'relaykit',
    });

    const pipe = sink(false);
    createLogger({ destination: pipe.stream, format: 'auto' }).info('hello');
    expect(JSON.parse(pipe.text())).toMatchObject({ msg: 'hello' });

    const terminal = sink(true);
    createLogger({ destination: terminal.stream, format: 'auto', colorize: false })
      .child({ part: 'http' })
      .warn({ code: 'RELAY_ERR_X' }, 'refused');
    expect(terminal.text()).toMatch(
      /^\[\d\d:\d\d:\d\d\.\d{3}\] WARN: http: refused \{"code":"RELAY_ERR_X"\}\n$/,
    );

    const forced = sink(false);
    createLogger({ destination: forced.stream, format: 'pretty', colorize: true, level: 'debug' }).debug(
      'deep',
    );
    // biome-ignore lint/suspicious/noControlCharactersInRegex: colour codes are the point
    expect(forced.text()).toMatch(/\u001b\[\d+mDEBUG\u001b\[\d+m/);
  });
});
