import { clip, fitContent, safeLink } from '../hook-content.js';
import { arrayAt, objectAt, payloadError, textAt } from './payload-error.js';
import type { RenderContext, Rendered } from './rendered.js';

/**
 * A GitHub webhook delivery (event in `X-GitHub-Event`) as a one-line announcement: push,
 * pull_request, issues, release and workflow_run are spelled out, any other event named; `ping` is
 * answered and publishes nothing. The signature is checked before (see verifyGithubSignature).
 */
export function renderGithub(input: unknown, context: RenderContext): Rendered {
  const event = context.header('x-github-event');
  if (!event) throw payloadError('X-GitHub-Event', 'the header is missing: not a GitHub delivery');
  const body = objectAt(input, 'body');
  if (event === 'ping') return { kind: 'answer', text: 'pong' };
  const repo = textAt(objectAt(body.repository ?? {}, 'repository').full_name, 'repository.full_name');
  const sender = textAt(objectAt(body.sender ?? {}, 'sender').login, 'sender.login') ?? 'someone';
  const action = textAt(body.action, 'action');
  const where = repo ? ` in ${repo}` : '';
  let text: string;
  let link: string | undefined;
  let status: string | undefined;
  switch (event) {
    case 'push': {
      const fullRef = textAt(body.ref, 'ref') ?? '';
      const kind = fullRef.startsWith('refs/tags/') ? 'tag' : 'branch';
      const ref = fullRef.replace(/^refs\/(heads|tags)\//, '');
      const commits = arrayAt(body.commits, 'commits');
      const pusher = textAt(objectAt(body.pusher ?? {}, 'pusher').name, 'pusher.name') ?? sender;
      if (body.deleted === true) {
        // A branch deleted (as after every merged pull request when branches are removed) or a tag.
        text = `${pusher} deleted ${kind} ${ref}${where}`;
        break;
      }
      // A new ref carries its tip in head_commit, with no commits listed when nothing in it is new.
      const head =
        commits.length > 0
          ? objectAt(commits.at(-1), 'commits[-1]')
          : body.head_commit
            ? objectAt(body.head_commit, 'head_commit')
            : undefined;
      const message = head ? (textAt(head.message, 'commits[].message') ?? '').split('\n')[0] : '';
      text =
        body.created === true && commits.length === 0
          ? `${pusher} created ${kind} ${ref}${where}${message ? `: ${message}` : ''}`
          : `${pusher} pushed ${commits.length} commit${commits.length === 1 ? '' : 's'} to ${ref}${where}${message ? `: ${message}` : ''}`;
      link = safeLink(body.compare);
      break;
    }
    case 'pull_request':
    case 'issues': {
      const key = event === 'issues' ? 'issue' : 'pull_request';
      const item = objectAt(body[key], key);
      const merged = event === 'pull_request' && action === 'closed' && item.merged === true;
      const noun = event === 'issues' ? 'issue' : 'pull request';
      text = `${sender} ${merged ? 'merged' : (action ?? 'updated')} ${noun} #${textAt(item.number, `${key}.number`) ?? '?'} "${textAt(item.title, `${key}.title`) ?? ''}"${where}`;
      link = safeLink(item.html_url);
      break;
    }
    case 'release': {
      const release = objectAt(body.release, 'release');
      const tag = textAt(release.tag_name, 'release.tag_name') ?? '?';
      const name = textAt(release.name, 'release.name');
      text = `${sender} ${action ?? 'updated'} release ${tag}${name && name !== tag ? ` "${name}"` : ''}${where}`;
      link = safeLink(release.html_url);
      break;
    }
    case 'workflow_run': {
      const run = objectAt(body.workflow_run, 'workflow_run');
      const name = textAt(run.name, 'workflow_run.name') ?? 'workflow';
      const conclusion = textAt(run.conclusion, 'workflow_run.conclusion');
      status = conclusion ?? textAt(run.status, 'workflow_run.status') ?? action ?? 'updated';
      const branch = textAt(run.head_branch, 'workflow_run.head_branch');
      text = `Workflow "${name}" ${status}${branch ? ` on ${branch}` : ''}${where}`;
      link = safeLink(run.html_url);
      break;
    }
    default:
      text = `GitHub ${event}${action ? ` ${action}` : ''} by ${sender}${where}`;
  }
  const line = clip(text, 1000);
  // Fitted to maxContentBytes like the other formats' content: GitHub does not retry a refused delivery.
  return {
    kind: 'publish',
    content: fitContent(context.maxContentBytes, 1, () => ({
      text: link ? `${line} ${link}` : line,
      title: clip(`${event}${repo ? ` · ${repo}` : ''}`, 200),
      source: 'github',
      ...(link ? { link } : {}),
      ...(status ? { status } : {}),
    })),
  };
}
