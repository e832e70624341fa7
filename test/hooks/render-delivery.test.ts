// The formats on their own: sparse and unusual payloads, read without a relay around them.
import { describe, expect, it } from 'vitest';
import { renderDelivery } from '../../src/hooks/formats/render-delivery.js';
import type { RenderContext } from '../../src/hooks/formats/rendered.js';
import { slackText } from '../../src/hooks/formats/slack-text.js';
import { type Hook, hashKey } from '../../src/hooks/hook.js';
import { SeenDeliveries } from '../../src/hooks/seen-deliveries.js';

const hook: Hook = {
  id: 'hk_test',
  name: 'test',
  room: null,
  format: 'github',
  keyHash: hashKey('k'),
  allowChannel: false,
  declared: false,
  createdAt: '2026-12-01T00:00:00.000Z',
};
const context = (headers: Record<string, string> = {}): RenderContext => ({
  hook,
  header: (name) => headers[name],
  maxContentBytes: 4096,
});
const github = (event: string, body: unknown) => {
  const rendered = renderDelivery('github', body, context({ 'x-github-event': event }));
  return rendered.kind === 'publish' ? rendered.content.text : rendered.text;
};

describe('github one-liners from sparse payloads', () => {
  it('fills what a payload leaves out', () => {
    expect(github('push', { ref: 'refs/tags/v1', commits: [] })).toBe('someone pushed 0 commits to v1');
    expect(github('push', { ref: 'refs/heads/x', commits: [{ message: 'a' }, { message: 'b\nbody' }] })).toBe(
      'someone pushed 2 commits to x: b',
    );
    expect(
      github('pull_request', {
        action: 'closed',
        pull_request: { number: 3, title: 'T', merged: true },
        sender: { login: 'mona' },
      }),
    ).toBe('mona merged pull request #3 "T"');
    expect(github('issues', { issue: {} })).toBe('someone updated issue #? ""');
    expect(github('release', { release: { tag_name: 'v2', name: 'v2' } })).toBe('someone updated release v2');
    expect(github('workflow_run', { action: 'requested', workflow_run: { status: 'queued' } })).toBe(
      'Workflow "workflow" queued',
    );
    expect(github('workflow_run', { workflow_run: {} })).toBe('Workflow "workflow" updated');
    expect(github('ping', {})).toBe('pong');
  });

  it('refuses a delivery without its event header, or with fields of the wrong type', () => {
    expect(() => renderDelivery('github', {}, context())).toThrow(/X-GitHub-Event/);
    expect(() => github('issues', { issue: 'x' })).toThrow(/issue/);
    expect(() => github('push', { commits: 'x' })).toThrow(/commits/);
    expect(() => github('push', { repository: { full_name: {} } })).toThrow(/repository\.full_name/);
  });
});

describe('slack markup', () => {
  it('reads links, mail links and mentions, and leaves other angle brackets as text', () => {
    expect(slackText('<https://a.example|A> <https://b.example>')).toBe(
      'A (https://a.example) https://b.example',
    );
    expect(slackText('<mailto:ops@example.com|mail us> <mailto:x@example.com>')).toBe(
      'mail us x@example.com',
    );
    expect(slackText('<@U123> <#C1|ops> <!here>')).toBe('U123 ops here');
    expect(slackText('<script>alert(1)</script> a &lt;b&gt; &amp; c')).toBe(
      '<script>alert(1)</script> a <b> & c',
    );
  });
});

describe('seen deliveries', () => {
  it('remembers an id for the window (refused at its last millisecond, not one past it)', () => {
    const seen = new SeenDeliveries({ windowMs: 1000 });
    seen.add('hk', 'd1', 0);
    expect(seen.has('hk', 'd1', 999)).toBe(true);
    expect(seen.has('hk', 'd1', 1000)).toBe(false);
    expect(seen.has('other', 'd1', 0)).toBe(false);
  });

  it('keeps at most maxEntries ids, forgetting the oldest first', () => {
    const seen = new SeenDeliveries({ windowMs: 60_000, maxEntries: 2 });
    seen.add('hk', 'a', 0);
    seen.add('hk', 'b', 1);
    expect(seen.has('hk', 'a', 2)).toBe(true);
    seen.add('hk', 'c', 2);
    expect(seen.has('hk', 'a', 3)).toBe(false);
    expect(seen.has('hk', 'b', 3)).toBe(true);
    expect(seen.has('hk', 'c', 3)).toBe(true);
  });
});

describe('alert groups from sparse payloads', () => {
  it('reads a group without labels, annotations or status as firing alerts named "alert"', () => {
    const rendered = renderDelivery('alertmanager', { alerts: [{}, { status: 'resolved' }] }, context());
    expect(rendered).toMatchObject({
      kind: 'publish',
      content: {
        text: '[FIRING:1 RESOLVED:1] alerts\n• firing: alert\n• resolved: alert',
        status: 'firing',
      },
    });
    const resolved = renderDelivery(
      'alertmanager',
      {
        status: 'resolved',
        groupLabels: { alertname: 'A', job: 'api' },
        alerts: [{ labels: { job: 'api' } }],
      },
      context(),
    );
    expect(resolved).toMatchObject({
      content: { title: '[RESOLVED:1] A (job=api)', status: 'resolved', color: '#2eb67d' },
    });
  });
});
