// Bad deliveries: each gets the status its sender expects, a log line per episode, and publishes nothing.
import { createHmac } from 'node:crypto';
import { once } from 'node:events';
import { connect } from 'node:net';
import { describe, expect, it } from 'vitest';
import type { MessageContent } from '../../src/index.js';
import { listener, nextMessage, problemOf } from '../http/api-relay.js';
import { WARN } from '../support/capture-logs.js';
import type { TestClient } from '../support/connect-client.js';
import { fixture, startHookRelay } from './hook-relay.js';

const sign = (secret: string, body: string) =>
  `sha256=${createHmac('sha256', secret).update(body).digest('hex')}`;

// Everything `client` hears up to and including the message with `marker`: a proof by ordering that
// the refused deliveries before it published nothing.
async function heardUntil(client: TestClient, marker: string, send: () => Promise<unknown>) {
  const heard: MessageContent[] = [];
  const done = new Promise<void>((resolve) => {
    client.on('sendMessageFromBack', (content) => {
      heard.push(content);
      if (typeof content === 'object' && content.text === marker) resolve();
    });
  });
  await send();
  await done;
  return heard;
}

const refusals = (logs: Array<Record<string, unknown>>, code: string) =>
  logs.filter((line) => line.level === WARN && line.msg === 'input refused' && line.code === code);

describe('bad deliveries', () => {
  it('unknown key: 404 problem, one log line for a burst, counted, nothing published', async () => {
    const relay = await startHookRelay();
    const hook = await relay.addHook({ name: 'ok', format: 'slack' });
    const lobby = await listener(relay.url);
    const heard = await heardUntil(lobby, 'marker', async () => {
      for (let i = 0; i < 20; i++) {
        const response = await relay.deliver(`${relay.url}/hooks/not-a-key-${i}`, { text: 'x' });
        expect(response.status).toBe(404);
        expect(await problemOf(response)).toMatchObject({ code: 'RELAY_ERR_HOOK_NOT_FOUND' });
      }
      // A hook's public id opens only a hook that signs its deliveries (GitHub).
      expect((await relay.deliver(`${relay.url}/hooks/${hook.id}`, { text: 'x' })).status).toBe(404);
      await relay.deliver(hook.url, { text: 'marker' });
    });
    expect(heard).toEqual([{ text: 'marker', source: 'slack' }]);
    const lines = refusals(relay.logs, 'RELAY_ERR_HOOK_NOT_FOUND');
    expect(lines).toHaveLength(1);
    expect(JSON.stringify(relay.logs)).not.toContain('not-a-key-');
    const metrics = await (await fetch(`${relay.url}/metrics`)).text();
    expect(metrics).toContain(
      'relay_hook_deliveries_total{hook="(unknown)",outcome="refused",reason="RELAY_ERR_HOOK_NOT_FOUND"} 21',
    );
    expect(metrics).toContain(
      `relay_hook_deliveries_total{hook="${hook.id}",outcome="accepted",reason=""} 1`,
    );
  });

  it('github: a missing or wrong signature is 401, a replayed delivery 409, a GitHub hook id without a signature opens nothing', async () => {
    const relay = await startHookRelay();
    const hook = await relay.addHook({ name: 'GitHub', format: 'github' });
    const lobby = await listener(relay.url);
    const raw = JSON.stringify(fixture('github-issues.json'));
    const headers = { 'x-github-event': 'issues', 'x-github-delivery': 'd-1' };
    const heard = await heardUntil(lobby, 'marker', async () => {
      const unsigned = await relay.deliver(hook.url, undefined, { raw, headers });
      expect(unsigned.status).toBe(401);
      expect(await problemOf(unsigned)).toMatchObject({ code: 'RELAY_ERR_HOOK_SIGNATURE' });
      const wrong = await relay.deliver(hook.url, undefined, {
        raw,
        headers: { ...headers, 'x-hub-signature-256': sign('not-the-secret', raw) },
      });
      expect(wrong.status).toBe(401);
      // A signature of another body: the right secret does not make a changed body pass.
      const other = await relay.deliver(hook.url, undefined, {
        raw: raw.replace('Incoming', 'Outgoing'),
        headers: { ...headers, 'x-hub-signature-256': sign(hook.secret, raw) },
      });
      expect(other.status).toBe(401);
      // Checked before the body is parsed: a body that is not even JSON is refused for its signature.
      const garbage = await relay.deliver(hook.url, undefined, {
        raw: `{"deep": ${'['.repeat(50_000)}`,
        headers: { ...headers, 'x-hub-signature-256': sign('not-the-secret', raw) },
      });
      expect(await problemOf(garbage)).toMatchObject({ code: 'RELAY_ERR_HOOK_SIGNATURE' });
      const good = { ...headers, 'x-hub-signature-256': sign(hook.secret, raw) };
      expect((await relay.deliver(hook.url, undefined, { raw, headers: good })).status).toBe(200);
      const replayed = await relay.deliver(hook.url, undefined, { raw, headers: good });
      expect(replayed.status).toBe(409);
      expect(await problemOf(replayed)).toMatchObject({ code: 'RELAY_ERR_HOOK_REPLAYED' });
      // The delivery id is not signed: a replay that changes it or leaves it out is the same delivery.
      const { 'x-github-delivery': _id, ...noId } = good;
      for (const headers of [{ ...good, 'x-github-delivery': 'd-2' }, noId]) {
        const again = await relay.deliver(hook.url, undefined, { raw, headers });
        expect(await problemOf(again)).toMatchObject({ code: 'RELAY_ERR_HOOK_REPLAYED' });
      }
      const slack = await relay.addHook({ name: 'slack', format: 'slack' });
      await relay.deliver(slack.url, { text: 'marker' });
    });
    expect(heard.map((content) => (content as { source: string }).source)).toEqual(['github', 'slack']);
    // One episode of the hook's refusals, one line: its first refusal.
    const lines = relay.logs.filter(
      (line) => line.msg === 'input refused' && (line.from as { id?: string })?.id === hook.id,
    );
    expect(lines.map((line) => line.code)).toEqual(['RELAY_ERR_HOOK_SIGNATURE']);
  });

  it('a Slack hook answers its refusals in text/plain, as Slack does', async () => {
    const relay = await startHookRelay();
    const hook = await relay.addHook({ name: 'slack', format: 'slack' });
    const lobby = await listener(relay.url);
    const cases: Array<[string, RequestInit['headers'], string, number, string]> = [
      ['wrong type', { 'content-type': 'text/plain' }, 'hello', 415, 'invalid_payload'],
      ['malformed JSON', { 'content-type': 'application/json' }, '{"text": ', 400, 'invalid_payload'],
      ['JSON that is no object', { 'content-type': 'application/json' }, '"text"', 400, 'invalid_payload'],
      [
        'form without payload',
        { 'content-type': 'application/x-www-form-urlencoded' },
        'text=hi',
        400,
        'invalid_payload',
      ],
      [
        'form with bad JSON',
        { 'content-type': 'application/x-www-form-urlencoded' },
        'payload=%7B',
        400,
        'invalid_payload',
      ],
      [
        'text of the wrong type',
        { 'content-type': 'application/json' },
        '{"text":{"a":1}}',
        400,
        'invalid_payload',
      ],
      [
        'attachments not an array',
        { 'content-type': 'application/json' },
        '{"attachments":"x"}',
        400,
        'invalid_payload',
      ],
      ['no text at all', { 'content-type': 'application/json' }, '{"username":"x"}', 400, 'invalid_payload'],
      ['no body', { 'content-type': 'application/json' }, '', 400, 'invalid_payload'],
      [
        'a channel the hook does not allow is ignored, a bad one too',
        { 'content-type': 'application/json' },
        '{"text":"marker","channel":"#no such room"}',
        200,
        'ok',
      ],
    ];
    const heard = await heardUntil(lobby, 'marker', async () => {
      for (const [name, headers, body, status, answer] of cases) {
        const response = await fetch(hook.url, { method: 'POST', headers, body });
        expect(response.status, name).toBe(status);
        expect(response.headers.get('content-type'), name).toMatch(/^text\/plain/);
        expect(await response.text(), name).toBe(answer);
      }
    });
    expect(heard).toEqual([{ text: 'marker', source: 'slack' }]);
    expect(refusals(relay.logs, 'RELAY_ERR_UNSUPPORTED_MEDIA_TYPE')).toHaveLength(1);
    expect(refusals(relay.logs, 'RELAY_ERR_HOOK_PAYLOAD')).toHaveLength(0);
  });

  it('alert groups with fields of the wrong type are 400 problems naming the field', async () => {
    const relay = await startHookRelay();
    const hook = await relay.addHook({ name: 'am', format: 'alertmanager' });
    const lobby = await listener(relay.url);
    const base = fixture('alertmanager-firing.json');
    const alert = (base.alerts as unknown[])[0] as Record<string, unknown>;
    const cases: Array<[Record<string, unknown>, string]> = [
      [{ ...base, alerts: 'x' }, 'alerts'],
      [{ ...base, alerts: [] }, 'alerts'],
      [{ ...base, alerts: [{ ...alert, labels: ['x'] }] }, 'alerts[0].labels'],
      [
        { ...base, alerts: [{ ...alert, annotations: { summary: { nested: true } } }] },
        'alerts[0].annotations.summary',
      ],
      [{ ...base, groupLabels: 'x' }, 'groupLabels'],
      [{ ...base, alerts: [7] }, 'alerts[0]'],
    ];
    // A grafana hook read any object without `alerts` as a legacy alert, and published a firing one.
    const grafana = await relay.addHook({ name: 'gf', format: 'grafana' });
    const grafanaCases: Array<[Record<string, unknown>, string]> = [
      [{}, 'alerts'],
      [{ text: 'just a slack message' }, 'alerts'],
      [{ hello: 'world' }, 'alerts'],
    ];
    const heard = await heardUntil(lobby, 'marker', async () => {
      for (const [body, field] of grafanaCases) {
        const response = await relay.deliver(grafana.url, body);
        expect(response.status, JSON.stringify(body)).toBe(400);
        expect(await problemOf(response), field).toMatchObject({ code: 'RELAY_ERR_HOOK_PAYLOAD', field });
      }
      // A legacy (dashboard) alert names its state or its rule.
      const legacy = await relay.deliver(grafana.url, { state: 'ok', ruleName: 'CPU', message: 'marker' });
      expect(legacy.status).toBe(200);
      for (const [body, field] of cases) {
        const response = await relay.deliver(hook.url, body);
        expect(response.status, field).toBe(400);
        expect(await problemOf(response), field).toMatchObject({ code: 'RELAY_ERR_HOOK_PAYLOAD', field });
      }
      const marker = await relay.addHook({ name: 'm', format: 'slack' });
      await relay.deliver(marker.url, { text: 'marker' });
    });
    // The legacy Grafana alert and the marker.
    expect(heard).toHaveLength(2);
  });

  it('a body at hooks.bodyLimitBytes is read, one byte more is 413 (declared or chunked)', async () => {
    const limit = 2048;
    const relay = await startHookRelay({ hooks: { bodyLimitBytes: limit } });
    const hook = await relay.addHook({ name: 'big', format: 'alertmanager' });
    const body = (size: number) => {
      const start = '{"status":"firing","alerts":[{"labels":{"alertname":"A"},"annotations":{"summary":"';
      const end = '"}}]}';
      return start + 'x'.repeat(size - start.length - end.length) + end;
    };
    expect(Buffer.byteLength(body(limit))).toBe(limit);
    expect((await relay.deliver(hook.url, undefined, { raw: body(limit) })).status).toBe(200);
    const over = await relay.deliver(hook.url, undefined, { raw: body(limit + 1) });
    expect(over.status).toBe(413);
    const problem = await problemOf(over);
    expect(problem).toMatchObject({ code: 'RELAY_ERR_BODY_TOO_LARGE' });
    // The fix said how to raise api.bodyLimitBytes only, which does not apply here.
    expect(problem.detail).toContain('RELAY_HOOKS_BODY_LIMIT_BYTES');
    const chunked = await fetch(hook.url, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: new Blob([body(limit + 1)]).stream(),
      duplex: 'half',
    } as RequestInit);
    expect(chunked.status).toBe(413);
    // The relay still answers.
    const lobby = await listener(relay.url);
    const heard = nextMessage(lobby);
    expect((await relay.deliver(hook.url, undefined, { raw: body(limit) })).status).toBe(200);
    expect((await heard).content).toMatchObject({ source: 'alertmanager' });
  });

  it('a hook over its rate limit gets 429 with Retry-After: burst deliveries pass, one more does not', async () => {
    const relay = await startHookRelay({ hooks: { rateLimit: { burst: 3, perSecond: 0.01 } } });
    const hook = await relay.addHook({ name: 'busy', format: 'slack' });
    const other = await relay.addHook({ name: 'calm', format: 'slack' });
    for (let i = 0; i < 3; i++) expect((await relay.deliver(hook.url, { text: `m${i}` })).status).toBe(200);
    const limited = await relay.deliver(hook.url, { text: 'one more' });
    expect(limited.status).toBe(429);
    expect(limited.headers.get('retry-after')).toMatch(/^\d+$/);
    expect(await limited.text()).toBe('rate_limited');
    // Each hook has its own bucket.
    expect((await relay.deliver(other.url, { text: 'fine' })).status).toBe(200);
  });

  it('a github hook: unsigned and replayed deliveries take none of its bucket, new signed ones take it and hit its limit', async () => {
    const relay = await startHookRelay({ hooks: { rateLimit: { burst: 3, perSecond: 0.01 } } });
    const hook = await relay.addHook({ name: 'GitHub', format: 'github' });
    const raw = JSON.stringify(fixture('github-issues.json'));
    // Each delivery its own body, as GitHub's are: the same body again would be a replay.
    const signed = (delivery: string) => {
      const body = JSON.stringify({ ...fixture('github-issues.json'), delivery });
      return {
        raw: body,
        headers: {
          'x-github-event': 'issues',
          'x-github-delivery': delivery,
          'x-hub-signature-256': sign(hook.secret, body),
        },
      };
    };
    // Anyone who knows the public id: many times the burst, all refused for their signature.
    for (let i = 0; i < 10; i++) {
      const forged = await relay.deliver(hook.url, undefined, {
        raw,
        headers: { 'x-github-event': 'issues' },
      });
      expect(forged.status).toBe(401);
    }
    // A captured delivery posted again proves the secret too: refused as a replay, it must not cost the
    // bucket, or its replays would get GitHub's next real deliveries refused.
    const first = signed('d-0');
    expect((await relay.deliver(hook.url, undefined, first)).status).toBe(200);
    for (let i = 0; i < 10; i++) {
      expect((await relay.deliver(hook.url, undefined, first)).status).toBe(409);
    }
    for (let i = 1; i < 3; i++) {
      expect((await relay.deliver(hook.url, undefined, signed(`d-${i}`))).status).toBe(200);
    }
    const limited = await relay.deliver(hook.url, undefined, signed('d-3'));
    expect(limited.status).toBe(429);
    expect(await problemOf(limited)).toMatchObject({ code: 'RELAY_ERR_RATE_LIMITED' });
  });

  it('markup in every field stays text: nothing is rendered, links are only http(s)', async () => {
    const relay = await startHookRelay();
    const hook = await relay.addHook({ name: 'x', format: 'slack' });
    const lobby = await listener(relay.url);
    const script = '<script>alert(1)</script>';
    const heard = nextMessage(lobby);
    await relay.deliver(hook.url, {
      text: `${script} <img src=x onerror=alert(1)>`,
      username: `${script}`,
      icon_url: 'javascript:alert(1)',
      attachments: [
        {
          title: script,
          title_link: 'javascript:alert(1)',
          color: 'red;background:url(x)',
          fields: [{ title: script, value: script }],
        },
      ],
    });
    const { content, meta } = await heard;
    expect(content).toMatchObject({ text: expect.stringContaining(script), title: script });
    expect(content).not.toHaveProperty('link');
    expect(content).not.toHaveProperty('color');
    expect(content).not.toHaveProperty('icon');
    expect(meta.from.name).toBe(script);
  });

  it('a sender that goes away mid-body settles its delivery: counted as refused, nothing published', async () => {
    const relay = await startHookRelay();
    const hook = await relay.addHook({ name: 'half', format: 'slack' });
    const { port, pathname } = { port: new URL(hook.url).port, pathname: new URL(hook.url).pathname };
    // The relay has the request (and the start of its body) before the sender leaves.
    const received = once(relay.server.httpServer, 'request');
    const socket = connect(Number(port), '127.0.0.1');
    await once(socket, 'connect');
    socket.write(
      `POST ${pathname} HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\nContent-Length: 1000\r\n\r\n{"text":`,
    );
    const metric = `relay_hook_deliveries_total{hook="${hook.id}",outcome="refused",reason="RELAY_ERR_HOOK_PAYLOAD"} 1`;
    await received;
    socket.destroy();
    await expect
      .poll(async () => (await (await fetch(`${relay.url}/metrics`)).text()).includes(metric), {
        timeout: 5000,
      })
      .toBe(true);
    const lobby = await listener(relay.url);
    const heard = await heardUntil(lobby, 'marker', () => relay.deliver(hook.url, { text: 'marker' }));
    expect(heard).toHaveLength(1);
  });
});

describe('deliveries the URL or body parser refuses', () => {
  it('a key that is not valid percent-encoding: a 404 problem, not an HTML stack trace', async () => {
    const relay = await startHookRelay();
    for (let i = 0; i < 3; i++) {
      const response = await relay.deliver(`${relay.url}/hooks/%E0%A4%A${'x'.repeat(i)}`, { text: 'x' });
      expect(response.status).toBe(404);
      expect(await problemOf(response)).toMatchObject({ code: 'RELAY_ERR_HOOK_NOT_FOUND' });
    }
    expect(refusals(relay.logs, 'RELAY_ERR_HOOK_NOT_FOUND')).toHaveLength(1);
  });

  it('another method than POST on a hook URL: a 404 problem, not an HTML page', async () => {
    const relay = await startHookRelay();
    const hook = await relay.addHook({ name: 'ok', format: 'generic', template: '{{text}}' });
    for (const method of ['GET', 'PUT', 'DELETE']) {
      const response = await fetch(hook.url, { method });
      expect(response.status, method).toBe(404);
      expect(await problemOf(response)).toMatchObject({ code: 'RELAY_ERR_NOT_FOUND' });
    }
    // Paths no hook URL has, for any method.
    for (const [method, path] of [
      ['POST', '/hooks'],
      ['GET', '/hooks/'],
      ['POST', `${new URL(hook.url).pathname}/extra`],
    ] as const) {
      const response = await fetch(`${relay.url}${path}`, { method });
      expect(response.status, `${method} ${path}`).toBe(404);
      expect(await problemOf(response)).toMatchObject({ code: 'RELAY_ERR_NOT_FOUND' });
    }
  });

  it('a payload nested past 64 levels: a 400 problem naming the nesting, nothing published', async () => {
    const relay = await startHookRelay();
    const hook = await relay.addHook({ name: 'ok', format: 'generic', template: '{{text}}' });
    const deep = `${'['.repeat(1000)}${']'.repeat(1000)}`;
    const response = await relay.deliver(hook.url, undefined, { raw: `{"text":"x","junk":${deep}}` });
    expect(response.status).toBe(400);
    expect(await problemOf(response)).toMatchObject({
      code: 'RELAY_ERR_HOOK_PAYLOAD',
      detail: expect.stringContaining('deeper than 64 levels'),
    });
  });
});
