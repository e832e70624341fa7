// The seed tutorial's snippets (sections 2.1 to 2.10), client side as written there, against RelayKit.
import socketIOClient from 'socket.io-client';
import { describe, expect, it } from 'vitest';
import { track } from '../support/cleanup.js';
import { startRelay } from '../support/start-relay.js';
import { collectEvents, waitForEvent } from '../support/wait-for-event.js';

// `var socket = socketIOClient("http://...")`: default options, polling first then upgrade.
function seedClient(url: string) {
  return track(socketIOClient(url), (socket) => socket.disconnect());
}

describe('seed client against the relay', () => {
  it('connects with default transports and upgrades to WebSocket (2.2)', async () => {
    const { url, logs } = await startRelay();
    const socket = seedClient(url);
    const firstTransport = new Promise<string>((resolve) =>
      socket.io.once('open', () => resolve(socket.io.engine.transport.name)),
    );
    await waitForEvent(socket, 'connect');
    expect(await firstTransport).toBe('polling');
    if (socket.io.engine.transport.name !== 'websocket') await waitForEvent(socket.io.engine, 'upgrade');
    expect(socket.io.engine.transport.name).toBe('websocket');
    expect(logs.some((line) => line.msg === 'client connected')).toBe(true);
  });

  it('greets the new socket only by default (2.5) and relays sendMessage to everyone (2.3, 2.4, 2.7)', async () => {
    const { url } = await startRelay();
    const first = seedClient(url);
    const [greeting] = await waitForEvent<[string]>(first, 'sendMessageFromBack');
    expect(greeting).toBe('New user connected');

    const second = seedClient(url);
    const firstHears = collectEvents(first, 'sendMessageFromBack', 300);
    const [secondGreeting] = await waitForEvent<[string]>(second, 'sendMessageFromBack');
    expect(secondGreeting).toBe('New user connected');
    expect(await firstHears).toEqual([]);

    const heardByFirst = waitForEvent<[string]>(first, 'sendMessageFromBack');
    const heardBySecond = waitForEvent<[string]>(second, 'sendMessageFromBack');
    second.emit('sendMessage', 'Hello John !');
    expect((await heardByFirst)[0]).toBe('Hello John !');
    expect((await heardBySecond)[0]).toBe('Hello John !');
  });

  it('echoes to the sender only in echo mode (2.6)', async () => {
    const { url } = await startRelay({ routing: 'echo', greeting: 'none' });
    const sender = seedClient(url);
    const other = seedClient(url);
    await Promise.all([waitForEvent(sender, 'connect'), waitForEvent(other, 'connect')]);
    const otherHears = collectEvents(other, 'sendMessageFromBack', 400);
    const echoed = waitForEvent<[string]>(sender, 'sendMessageFromBack');
    sender.emit('sendMessage', 'Hello John !');
    expect((await echoed)[0]).toBe('Hello John !');
    expect(await otherHears).toEqual([]);
  });

  it('sends to everyone but the sender in others mode (2.8)', async () => {
    const { url } = await startRelay({ routing: 'others', greeting: 'none' });
    const sender = seedClient(url);
    const other = seedClient(url);
    await Promise.all([waitForEvent(sender, 'connect'), waitForEvent(other, 'connect')]);
    const senderHears = collectEvents(sender, 'sendMessageFromBack', 400);
    const received = waitForEvent<[string]>(other, 'sendMessageFromBack');
    sender.emit('sendMessage', 'Hello John !');
    expect((await received)[0]).toBe('Hello John !');
    expect(await senderHears).toEqual([]);
  });

  it('greets everyone on connection in greeting mode all (2.7)', async () => {
    const { url } = await startRelay({ greeting: 'all', greetingText: 'Bienvenue' });
    const first = seedClient(url);
    await waitForEvent(first, 'sendMessageFromBack');
    const firstHearsNext = waitForEvent<[string]>(first, 'sendMessageFromBack');
    const second = seedClient(url);
    const [own] = await waitForEvent<[string]>(second, 'sendMessageFromBack');
    expect(own).toBe('Bienvenue');
    expect((await firstHearsNext)[0]).toBe('Bienvenue');
  });

  it('greets everyone but the new socket in greeting mode others (2.8)', async () => {
    const { url } = await startRelay({ greeting: 'others' });
    const first = seedClient(url);
    await waitForEvent(first, 'connect');
    const firstHears = waitForEvent<[string]>(first, 'sendMessageFromBack');
    const second = seedClient(url);
    const secondHears = collectEvents(second, 'sendMessageFromBack', 400);
    expect((await firstHears)[0]).toBe('New user connected');
    expect(await secondHears).toEqual([]);
  });

  it('keeps what the seed stores in state exactly as sent (2.9, 2.10)', async () => {
    const { url } = await startRelay({ greeting: 'none' });
    const socket = seedClient(url);
    await waitForEvent(socket, 'connect');
    // The seed's listener: `socket.on('sendMessageFromBack', (newMessage) => setMessage(newMessage))`.
    let message: unknown = '';
    const setMessage = (value: unknown) => {
      message = value;
    };
    socket.on('sendMessageFromBack', (newMessage: unknown) => {
      setMessage(newMessage);
    });
    const content = { text: 'Hello John !', emoji: '👋', nested: { list: [1, 'two', null, true] } };
    const arrived = waitForEvent(socket, 'sendMessageFromBack');
    socket.emit('sendMessage', content);
    await arrived;
    expect(message).toEqual(content);
  });
});
