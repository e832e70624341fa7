// The chat page's online list: who is in the room, one line per person however many tabs they have,
// from the relay's `members` request and the `presence` events the page asks for (auth.watchPresence).
// Apart from app.js: it needs only the socket and its list. Names only ever go in with textContent.
import { retryWait } from './retry-wait.js';

const ACK_TIMEOUT_MS = 5000;
// The relay lists at most 500 people; the page keeps no more than that from presence events either.
const MAX_ONLINE = 500;

/**
 * Keeps `list` (a <ul>) showing who is online in the socket's room and `title` their count: asked
 * again at every (re)connection, kept up to date by join/leave events in between.
 */
export function followOnline(socket, list, title) {
  const online = new Map(); // userId -> name, the names shown (at most MAX_ONLINE)
  const known = new Set(); // every userId known to be online, shown or not
  // Online but never named to the page: the relay's answer names at most 500 of a room's people.
  let unnamed = 0;

  const render = () => {
    const names = [...online.values()].sort((a, b) => a.localeCompare(b));
    list.replaceChildren(
      ...names.map((name) => {
        const item = document.createElement('li');
        item.className = 'online-name';
        item.textContent = name;
        return item;
      }),
    );
    title.textContent = `Online (${known.size + unnamed})`;
  };

  // A refusal that passes (the rate limit, say, when the page's first requests come together) is asked
  // again, else the list would stay empty until the next reconnection.
  let asking = 0; // which refresh is current: a reconnection starts another
  const refresh = (attempt = 0, current = ++asking) => {
    socket.timeout(ACK_TIMEOUT_MS).emit('members', {}, (error, answer) => {
      if (current !== asking) return;
      if (error || !answer.ok) {
        const wait = socket.connected ? retryWait(error, answer, attempt) : null;
        if (wait !== null) setTimeout(() => current === asking && refresh(attempt + 1, current), wait);
        return;
      }
      online.clear();
      known.clear();
      for (const member of answer.members) {
        known.add(member.userId);
        if (online.size < MAX_ONLINE) online.set(member.userId, member.name);
      }
      unnamed = Math.max(0, answer.total - answer.members.length);
      render();
    });
  };

  socket.on('connect', () => refresh());
  socket.on('presence', (event) => {
    const { userId, name } = event.user;
    if (event.type === 'join' && !known.has(userId)) {
      known.add(userId);
      if (online.size < MAX_ONLINE) online.set(userId, name);
    } else if (event.type === 'leave') {
      // Someone the page was never named leaves: one fewer of them.
      if (known.delete(userId)) online.delete(userId);
      else if (unnamed > 0) unnamed -= 1;
    }
    render();
  });
  if (socket.connected) refresh();
}
