// @vitest-environment happy-dom
// The two examples of docs/client-kit.md, taken from the page and run as written against a real relay:
// only the relay URL is replaced, and an export line appended so the test can reach what they define.
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { act, type ComponentType, createElement } from 'react';
import { createRoot } from 'react-dom/client';
import { describe, expect, it, vi } from 'vitest';
import { createRelayClient, type SendAck } from '../../src/client/index.js';
import { track } from '../support/cleanup.js';
import { connectClient } from '../support/connect-client.js';
import { startRelay } from '../support/start-relay.js';
import { waitForEvent } from '../support/wait-for-event.js';

(globalThis as { IS_REACT_ACT_ENVIRONMENT?: boolean }).IS_REACT_ACT_ENVIRONMENT = true;

const REPO = path.resolve(import.meta.dirname, '../..');
const DOCUMENTED_URL = 'http://localhost:3000';

/** The one fenced block of docs/client-kit.md in `language` that contains `marker`. */
async function documentedBlock(language: string, marker: string): Promise<string> {
  const page = await readFile(path.join(REPO, 'docs', 'client-kit.md'), 'utf8');
  const blocks = [...page.matchAll(/^```(\w+)\n([\s\S]*?)^```$/gm)]
    .filter(([, lang, code]) => lang === language && code?.includes(marker))
    .map(([, , code]) => code as string);
  expect(blocks, `one \`\`\`${language} block with ${marker} in docs/client-kit.md`).toHaveLength(1);
  const [code] = blocks as [string];
  expect(code).toContain(DOCUMENTED_URL);
  return code;
}

// Inside the repository (gitignored .relaykit/), so that `import … from 'relaykit/client'` resolves.
async function writeExample(name: string, code: string): Promise<string> {
  await mkdir(path.join(REPO, '.relaykit'), { recursive: true });
  const dir = track(await mkdtemp(path.join(REPO, '.relaykit', 'docs-examples-')), (d) =>
    rm(d, { recursive: true, force: true }),
  );
  const file = path.join(dir, name);
  await writeFile(file, code);
  return pathToFileURL(file).href;
}

/** Lets React and the sockets run until `condition` holds, inside act() so updates are flushed. */
async function until(condition: () => boolean, what: string, timeoutMs = 4000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await act(() => new Promise((resolve) => setTimeout(resolve, 20)));
  }
}

describe('docs/client-kit.md examples, as written', () => {
  it('the relaykit/client example sends, joins and closes against a real relay', async () => {
    const code = await documentedBlock('ts', 'createRelayClient(');
    const { url, server } = await startRelay({ greeting: 'none' });
    const listener = await connectClient(url, { auth: { room: 'general' } });
    const heard = waitForEvent<[unknown, { id: string; from: { name: string } }]>(
      listener,
      'sendMessageFromBack',
    );
    const printed: string[] = [];
    const log = track(
      vi.spyOn(console, 'log').mockImplementation((...args: unknown[]) => {
        printed.push(args.map(String).join(' '));
      }),
      (spy) => spy.mockRestore(),
    );

    // The example's top-level awaits run while it is imported: it has finished once the import resolves.
    const example = await import(
      await writeExample('client-example.ts', `${code.replaceAll(DOCUMENTED_URL, url)}\nexport { answer };\n`)
    );
    log.mockRestore();
    const answer = example.answer as SendAck;
    expect(answer).toEqual({ ok: true, id: expect.any(String) });
    const [content, meta] = await heard;
    expect(content).toBe('Hello John !');
    expect(meta.from.name).toBe('John');
    expect(answer.ok && answer.id).toBe(meta.id);
    expect(printed).toContain('connected');
    expect(printed.at(-1)).toBe('disconnected');
    await until(() => server.io.of('/').sockets.size === 1, 'the example client to be gone');
  });

  it('the relaykit/react example renders the messages of the room and closes on unmount', async () => {
    // The automatic JSX runtime, as React projects configure it: the example imports no React.
    const code = `/** @jsxRuntime automatic */\n/** @jsxImportSource react */\n${await documentedBlock('tsx', 'useRelayMessages(')}`;
    const { url, server } = await startRelay({ greeting: 'none' });
    const { Chat } = (await import(
      await writeExample('chat-example.tsx', `${code.replaceAll(DOCUMENTED_URL, url)}\nexport { Chat };\n`)
    )) as { Chat: ComponentType<{ name: string }> };

    const container = document.createElement('div');
    document.body.append(container);
    const root = createRoot(container);
    act(() => root.render(createElement(Chat, { name: 'Ada' })));
    let mounted = true;
    track(container, (c) => {
      if (mounted) act(() => root.unmount());
      c.remove();
    });
    const list = () => container.querySelector('ul');
    await until(() => list()?.getAttribute('aria-label') === 'messages, connected', 'connected');

    const john = track(createRelayClient(url, { name: 'John', room: 'general' }), (c) => c.close());
    await act(async () => {
      await john.send('Hello Ada !');
      await john.send({ text: 'an object' });
    });
    await until(() => list()?.querySelectorAll('li').length === 2, 'two messages');
    expect(Array.from(list()?.querySelectorAll('li') ?? [], (li) => li.textContent)).toEqual([
      'John: Hello Ada !',
      'John: {"text":"an object"}',
    ]);

    act(() => root.unmount());
    mounted = false;
    await until(() => server.io.of('/').sockets.size === 1, "the example's client to be closed");
  });
});
