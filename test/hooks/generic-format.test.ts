// The generic format: any JSON through the hook's mustache template, as text.
import { describe, expect, it } from 'vitest';
import { listener, nextMessage, problemOf } from '../http/api-relay.js';
import { startHookRelay } from './hook-relay.js';

describe('generic hooks', () => {
  it('renders any JSON through the hook template, as text (no HTML escaping), sections over arrays', async () => {
    const relay = await startHookRelay();
    const hook = await relay.addHook({
      name: 'uptime',
      room: 'ops',
      format: 'generic',
      template: '{{service}} is {{state}} <{{url}}>{{#checks}} [{{name}}]{{/checks}}',
    });
    expect(hook).toMatchObject({ format: 'generic', template: expect.stringContaining('{{service}}') });
    const ops = await listener(relay.url, 'ops');
    const heard = nextMessage(ops);
    const response = await relay.deliver(hook.url, {
      service: 'api & <b>web</b>',
      state: 'down',
      url: 'https://status.example.com/?a=1&b=2',
      checks: [{ name: 'http' }, { name: 'tls' }],
    });
    expect(response.status).toBe(200);
    const { content, meta } = await heard;
    expect(content).toEqual({
      text: 'api & <b>web</b> is down <https://status.example.com/?a=1&b=2> [http] [tls]',
      source: 'generic',
    });
    expect(meta.from).toMatchObject({ name: 'uptime', kind: 'http' });
  });

  it('refuses a payload the template renders to nothing, and a body that is not JSON structure', async () => {
    const relay = await startHookRelay();
    const hook = await relay.addHook({ name: 'sparse', format: 'generic', template: '{{missing.field}}' });
    const lobby = await listener(relay.url);
    const heard = nextMessage(lobby);
    const empty = await relay.deliver(hook.url, { other: 1 });
    expect(empty.status).toBe(400);
    expect(await problemOf(empty)).toMatchObject({ code: 'RELAY_ERR_HOOK_PAYLOAD', field: 'body' });
    const scalar = await relay.deliver(hook.url, 42);
    expect(scalar.status).toBe(400);
    // Nothing was published: the next message heard is the marker.
    await relay.send('/v1/messages', { body: { content: 'marker' } });
    expect((await heard).content).toBe('marker');
  });

  it('refuses a payload with none of the fields a template with text around them names', async () => {
    const relay = await startHookRelay();
    const hook = await relay.addHook({
      name: 'uptime',
      format: 'generic',
      template: '{{service}} is {{state}} ({{url}})',
    });
    const lobby = await listener(relay.url);
    const heard = nextMessage(lobby);
    const none = await relay.deliver(hook.url, { x: 1 });
    expect(none.status).toBe(400);
    expect(await problemOf(none)).toMatchObject({
      code: 'RELAY_ERR_HOOK_PAYLOAD',
      detail: expect.stringContaining('none of the fields'),
    });
    // One field of three is enough to say something.
    expect((await relay.deliver(hook.url, { service: 'api' })).status).toBe(200);
    expect((await heard).content).toMatchObject({ text: 'api is  ()', source: 'generic' });
  });

  it('needs a template that parses for a generic hook, and takes none for the other formats', async () => {
    const relay = await startHookRelay();
    const add = (spec: Record<string, unknown>) =>
      relay.send('/v1/hooks', { body: spec, token: 'ops-s3cr3t' });
    const cases: Array<[Record<string, unknown>, string]> = [
      [{ name: 'a', format: 'generic' }, 'needs a mustache template'],
      [{ name: 'b', format: 'generic', template: '{{#open}} never closed' }, 'does not parse'],
      [{ name: 'c', format: 'slack', template: '{{x}}' }, 'only a generic hook takes a template'],
    ];
    for (const [spec, problem] of cases) {
      const refused = await add(spec);
      expect(refused.status).toBe(400);
      const body = await problemOf(refused);
      expect(body).toMatchObject({ field: 'template' });
      expect(String(body.detail)).toContain(problem);
    }
  });

  it('cuts a rendered text to the content limit instead of refusing it', async () => {
    const relay = await startHookRelay({ maxContentBytes: 200 });
    const hook = await relay.addHook({ name: 'long', format: 'generic', template: '{{text}}' });
    const lobby = await listener(relay.url);
    const heard = nextMessage(lobby);
    expect((await relay.deliver(hook.url, { text: 'x'.repeat(1000) })).status).toBe(200);
    const { content } = await heard;
    expect(Buffer.byteLength(JSON.stringify(content))).toBeLessThanOrEqual(200);
    expect((content as { text: string }).text.startsWith('xxx')).toBe(true);
  });

  it('stops a template a payload makes repeat: nested sections over two arrays render within the budget', async () => {
    const relay = await startHookRelay();
    const hook = await relay.addHook({
      name: 'nested',
      format: 'generic',
      template: '{{#alerts}}{{name}}:{{#labels}} {{key}}={{value}}{{/labels}}; {{/alerts}}',
    });
    const lobby = await listener(relay.url);
    const heard = nextMessage(lobby);
    // 24 KB: a name the items lack is looked up above them, so every alert renders every label, 16
    // million section bodies; mustache alone took ~9 s of event loop on it.
    const empty = Array.from({ length: 4000 }, () => ({}));
    const started = Date.now();
    const response = await relay.deliver(hook.url, { name: 'a', alerts: empty, labels: empty });
    expect(response.status).toBe(200);
    const { content } = await heard;
    const text = (content as { text: string }).text;
    expect(text.startsWith('a: = =')).toBe(true);
    expect(text.length).toBeLessThanOrEqual(8000);
    expect(Date.now() - started).toBeLessThan(3000);
  });
});
