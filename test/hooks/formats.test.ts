// Payloads from each sender's documentation, delivered to a real relay and heard by a real client.
import { createHmac } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { listener, nextMessage } from '../http/api-relay.js';
import { fixture, startHookRelay } from './hook-relay.js';

const sign = (secret: string, body: string) =>
  `sha256=${createHmac('sha256', secret).update(body).digest('hex')}`;

describe('hook formats', () => {
  it('slack: text, blocks and attachments as one readable text, with title, link, fields and colour', async () => {
    const relay = await startHookRelay();
    const hook = await relay.addHook({ name: 'deploys', format: 'slack' });
    const lobby = await listener(relay.url);
    const heard = nextMessage(lobby);
    const response = await relay.deliver(hook.url, fixture('slack-attachments.json'));
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toMatch(/^text\/plain/);
    expect(await response.text()).toBe('ok');
    const { content, meta } = await heard;
    expect(meta.from).toEqual({ id: hook.id, userId: `http:${hook.id}`, name: 'deploy-bot', kind: 'http' });
    expect(content).toEqual({
      text: [
        'Deploy #42 (https://ci.example.com/builds/42) finished & is live',
        'Release 1.4',
        '*All checks* passed',
        'by ops',
        'Optional text that appears above the attachment block',
        'Slack API Documentation',
        'Optional text that appears within the attachment',
      ].join('\n'),
      title: 'Slack API Documentation',
      link: 'https://api.slack.com/',
      fields: [{ title: 'Priority', value: 'High' }],
      color: '#36a64f',
      icon: ':rocket:',
      source: 'slack',
    });
  });

  it("slack: Slack's legacy form (payload=) is read like JSON", async () => {
    const relay = await startHookRelay();
    const hook = await relay.addHook({ name: 'legacy', format: 'slack' });
    const lobby = await listener(relay.url);
    const heard = nextMessage(lobby);
    const response = await relay.deliver(hook.url, undefined, {
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      raw: new URLSearchParams({ payload: JSON.stringify({ text: 'from a form' }) }).toString(),
    });
    expect(await response.text()).toBe('ok');
    expect((await heard).content).toEqual({ text: 'from a form', source: 'slack' });
  });

  it('slack: channel picks the room only where the hook allows it', async () => {
    const relay = await startHookRelay();
    const fixed = await relay.addHook({ name: 'fixed', room: 'ops', format: 'slack' });
    const free = await relay.addHook({ name: 'free', room: 'ops', format: 'slack', allowChannel: true });
    const ops = await listener(relay.url, 'ops');
    const dev = await listener(relay.url, 'dev');
    const inOps = nextMessage(ops);
    await relay.deliver(fixed.url, { text: 'stays', channel: '#dev' });
    expect((await inOps).content).toMatchObject({ text: 'stays' });
    const inDev = nextMessage(dev);
    await relay.deliver(free.url, { text: 'moves', channel: '#dev' });
    expect((await inDev).content).toMatchObject({ text: 'moves' });
  });

  it('alertmanager: a firing/resolved summary of the group', async () => {
    const relay = await startHookRelay();
    const hook = await relay.addHook({ name: 'Alertmanager', room: 'ops', format: 'alertmanager' });
    const ops = await listener(relay.url, 'ops');
    const heard = nextMessage(ops);
    const response = await relay.deliver(hook.url, fixture('alertmanager-firing.json'));
    expect(response.status).toBe(200);
    expect(await response.json()).toMatchObject({ ok: true });
    const { content } = await heard;
    expect(content).toEqual({
      text: [
        '[FIRING:1 RESOLVED:1] HighLatency',
        'API latency is high',
        '• firing: p99 latency over 2s on api-1 (api-1:9100)',
        '• resolved: p99 latency over 2s on api-2 (api-2:9100)',
      ].join('\n'),
      title: '[FIRING:1 RESOLVED:1] HighLatency',
      source: 'alertmanager',
      status: 'firing',
      color: '#e01e5a',
      link: 'http://alertmanager.example.com:9093/',
      fields: [{ title: 'alertname', value: 'HighLatency' }],
    });
  });

  it('alertmanager: a group too large for the content limit is summarised ("and N more"), never refused', async () => {
    const relay = await startHookRelay();
    const hook = await relay.addHook({ name: 'Alertmanager', format: 'alertmanager' });
    const body = fixture('alertmanager-firing.json');
    const template = (body.alerts as Array<Record<string, unknown>>)[0] as Record<string, unknown>;
    body.alerts = Array.from({ length: 200 }, (_, index) => ({
      ...template,
      labels: { alertname: 'HighLatency', instance: `api-${index}:9100` },
      annotations: { summary: `p99 latency over 2s on api-${index} ${'x'.repeat(40)}` },
    }));
    const lobby = await listener(relay.url);
    const heard = nextMessage(lobby);
    expect((await relay.deliver(hook.url, body)).status).toBe(200);
    const { content } = await heard;
    const text = (content as { text: string }).text;
    expect(Buffer.byteLength(JSON.stringify(content))).toBeLessThanOrEqual(4096);
    const shown = text.split('\n').filter((line) => line.startsWith('• ')).length;
    expect(shown).toBeGreaterThan(10);
    expect(text).toContain(`…and ${200 - shown} more alerts`);
  });

  it('grafana: the alerting webhook as a summary with its value', async () => {
    const relay = await startHookRelay();
    const hook = await relay.addHook({ name: 'Grafana', format: 'grafana' });
    const lobby = await listener(relay.url);
    const heard = nextMessage(lobby);
    expect((await relay.deliver(hook.url, fixture('grafana-firing.json'))).status).toBe(200);
    const { content } = await heard;
    expect(content).toMatchObject({
      title: '[FIRING:1] DiskFull',
      status: 'firing',
      source: 'grafana',
      link: 'https://grafana.example.com/',
    });
    expect((content as { text: string }).text).toContain(
      "• firing: Disk on db-1 is 95% full (db-1) [[ var='B' labels={instance=db-1} value=95 ]]",
    );
  });

  it('grafana: the legacy dashboard alert (ruleName, state, evalMatches) too', async () => {
    const relay = await startHookRelay();
    const hook = await relay.addHook({ name: 'Grafana', format: 'auto' });
    const lobby = await listener(relay.url);
    const heard = nextMessage(lobby);
    const response = await relay.deliver(hook.url, {
      title: '[Alerting] CPU high',
      ruleId: 1,
      ruleName: 'CPU high',
      ruleUrl: 'https://grafana.example.com/d/abc?panelId=2',
      state: 'alerting',
      message: 'CPU over 90% for 5 minutes',
      evalMatches: [{ metric: 'web-1', value: 97.5, tags: {} }],
    });
    expect(response.status).toBe(200);
    expect((await heard).content).toEqual({
      text: '[Alerting] CPU high\nCPU over 90% for 5 minutes\n• web-1: 97.5',
      title: '[Alerting] CPU high',
      source: 'grafana',
      status: 'firing',
      color: '#e01e5a',
      link: 'https://grafana.example.com/d/abc?panelId=2',
    });
  });

  it('auto: tells Slack, Alertmanager, Grafana and GitHub deliveries apart', async () => {
    const relay = await startHookRelay();
    const hook = await relay.addHook({ name: 'any', format: 'auto' });
    const lobby = await listener(relay.url);
    for (const [body, source] of [
      [{ text: 'hi' }, 'slack'],
      [fixture('alertmanager-firing.json'), 'alertmanager'],
      [fixture('grafana-firing.json'), 'grafana'],
    ] as const) {
      const heard = nextMessage(lobby);
      expect((await relay.deliver(hook.url, body)).status).toBe(200);
      expect((await heard).content).toMatchObject({ source });
    }
  });

  describe('github', () => {
    const cases = [
      [
        'push',
        'github-push.json',
        'mona pushed 1 commit to main in octo-org/relay: Fix the flaky test https://github.com/octo-org/relay/compare/6113728f27ae...000000000001',
      ],
      [
        'pull_request',
        'github-pull-request.json',
        'mona opened pull request #7 "Add <script>alert(1)</script> hooks" in octo-org/relay https://github.com/octo-org/relay/pull/7',
      ],
      [
        'issues',
        'github-issues.json',
        'hubot closed issue #16 "Incoming webhooks" in octo-org/relay https://github.com/octo-org/relay/issues/16',
      ],
      [
        'release',
        'github-release.json',
        'mona published release v1.4.0 "Hooks" in octo-org/relay https://github.com/octo-org/relay/releases/tag/v1.4.0',
      ],
      [
        'workflow_run',
        'github-workflow-run.json',
        'Workflow "CI" failure on main in octo-org/relay https://github.com/octo-org/relay/actions/runs/30433642',
      ],
    ] as const;
    it.each(cases)('%s: one signed delivery, one line', async (event, file, line) => {
      const relay = await startHookRelay();
      const hook = await relay.addHook({ name: 'GitHub', room: 'dev', format: 'github' });
      expect(hook.url).toBe(`${relay.url}/hooks/${hook.id}`);
      const dev = await listener(relay.url, 'dev');
      const raw = JSON.stringify(fixture(file));
      const heard = nextMessage(dev);
      const response = await relay.deliver(hook.url, undefined, {
        raw,
        headers: {
          'x-github-event': event,
          'x-github-delivery': `delivery-${event}`,
          'x-hub-signature-256': sign(hook.secret, raw),
        },
      });
      expect(response.status).toBe(200);
      const { content, meta } = await heard;
      expect((content as { text: string }).text).toBe(line);
      expect(content).toMatchObject({ source: 'github' });
      expect(meta.from).toEqual({ id: hook.id, userId: `http:${hook.id}`, name: 'GitHub', kind: 'http' });
    });

    it('reads the form content type (payload=) signed over the raw body, and names other events', async () => {
      const relay = await startHookRelay();
      const hook = await relay.addHook({ name: 'GitHub', format: 'github' });
      const lobby = await listener(relay.url);
      const raw = new URLSearchParams({
        payload: JSON.stringify({
          action: 'created',
          repository: { full_name: 'octo-org/relay' },
          sender: { login: 'mona' },
        }),
      }).toString();
      const heard = nextMessage(lobby);
      const response = await relay.deliver(hook.url, undefined, {
        raw,
        headers: {
          'content-type': 'application/x-www-form-urlencoded',
          'x-github-event': 'star',
          'x-hub-signature-256': sign(hook.secret, raw),
        },
      });
      expect(response.status).toBe(200);
      expect((await heard).content).toEqual({
        text: 'GitHub star created by mona in octo-org/relay',
        title: 'star · octo-org/relay',
        source: 'github',
      });
    });

    // One signed delivery of `event` with `body` to a GitHub hook; resolves with what was announced.
    async function announce(relay: Awaited<ReturnType<typeof startHookRelay>>, event: string, body: object) {
      const hook = await relay.addHook({ name: 'GitHub', format: 'github' });
      const lobby = await listener(relay.url);
      const raw = JSON.stringify(body);
      const heard = nextMessage(lobby);
      const response = await relay.deliver(hook.url, undefined, {
        raw,
        headers: { 'x-github-event': event, 'x-hub-signature-256': sign(hook.secret, raw) },
      });
      expect(response.status).toBe(200);
      return (await heard).content as { text: string; link?: string };
    }

    it('says a push deleted a branch or created a tag, rather than "pushed 0 commits"', async () => {
      const relay = await startHookRelay();
      const push = fixture('github-push.json') as Record<string, unknown>;
      const deleted = { ...push, ref: 'refs/heads/feature-x', deleted: true, commits: [], head_commit: null };
      expect((await announce(relay, 'push', deleted)).text).toMatch(
        /^mona deleted branch feature-x in octo-org\/relay/,
      );
      const tagged = {
        ...push,
        ref: 'refs/tags/v1.2.0',
        created: true,
        commits: [],
        head_commit: { message: 'Release 1.2.0\n\nNotes' },
      };
      expect((await announce(relay, 'push', tagged)).text).toMatch(
        /^mona created tag v1\.2\.0 in octo-org\/relay: Release 1\.2\.0 /,
      );
    });

    it('fits an announcement with a long link into maxContentBytes instead of refusing it', async () => {
      const maxContentBytes = 1024;
      const relay = await startHookRelay({ maxContentBytes });
      const tag = 'é'.repeat(150); // percent-encoded in the link: 900 characters
      const release = fixture('github-release.json') as { release: Record<string, unknown> };
      const content = await announce(relay, 'release', {
        ...release,
        release: {
          ...release.release,
          tag_name: tag,
          name: tag,
          html_url: `https://github.com/octo-org/relay/releases/tag/${encodeURIComponent(tag)}`,
        },
      });
      expect(Buffer.byteLength(JSON.stringify(content))).toBeLessThanOrEqual(maxContentBytes);
      expect(content.text).toContain('published release');
    });

    it('answers ping with pong and publishes nothing', async () => {
      const relay = await startHookRelay();
      const hook = await relay.addHook({ name: 'GitHub', format: 'github' });
      const raw = JSON.stringify(fixture('github-ping.json'));
      const response = await relay.deliver(hook.url, undefined, {
        raw,
        headers: { 'x-github-event': 'ping', 'x-hub-signature-256': sign(hook.secret, raw) },
      });
      expect(response.status).toBe(200);
      expect(await response.text()).toBe('pong');
    });
  });
});

describe('content limit', () => {
  it('a delivery whose announcement is exactly maxContentBytes is published whole; one byte more is cut, not refused', async () => {
    const maxContentBytes = 1024;
    const relay = await startHookRelay({ maxContentBytes });
    const hook = await relay.addHook({ name: 'long', format: 'slack' });
    const lobby = await listener(relay.url);
    // {"text":"…","source":"slack"} is 28 bytes around the text.
    const atLimit = 'a'.repeat(maxContentBytes - 28);
    expect(Buffer.byteLength(JSON.stringify({ text: atLimit, source: 'slack' }))).toBe(maxContentBytes);
    const whole = nextMessage(lobby);
    expect((await relay.deliver(hook.url, { text: atLimit })).status).toBe(200);
    expect((await whole).content).toEqual({ text: atLimit, source: 'slack' });

    const cut = nextMessage(lobby);
    expect((await relay.deliver(hook.url, { text: `${atLimit}b` })).status).toBe(200);
    const { content } = await cut;
    const text = (content as { text: string }).text;
    expect(Buffer.byteLength(JSON.stringify(content))).toBeLessThanOrEqual(maxContentBytes);
    expect(text.endsWith('…')).toBe(true);
    expect(atLimit.startsWith(text.slice(0, -1))).toBe(true);
    expect(text.length).toBeGreaterThan(maxContentBytes / 2);
  });
});
