// The chat page's online list: who is in the room, one line per person however many tabs they have,
// from the relay's `members` request and the `presence` events the page asks for (auth.watchPresence).
// Apart from app.js: it needs only the socket and its list. Names only ever go in with textContent.

const ACK_TIMEOUT_MS = 5000;
// The relay lists at most 500 people; the page keeps no more than that from presence events either.
const MAX_ONLINE = 500;

/**
 * Keeps `list` (a <ul>) showing who is online in the socket's room and `title` their count: asked
 * again at every (re)connection, kept up to date by join/leave events in between.
 */
export function followOnline(socket, list, title) {
  const online = new Map(); // userId -> name
  let total = 0;

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
    title.textContent = `Online (${Math.max(total, online.size)})`;
  };

  const refresh = () => {
    socket.timeout(ACK_TIMEOUT_MS).emit('members', {}, (error, answer) => {
      if (error || !answer.ok) return;
      online.clear();
      for (const member of answer.members) online.set(member.userId, member.name);
      total = answer.total;
      render();
    });
  };

  socket.on('connect', refresh);
  socket.on('presence', (event) => {
    const { userId, name } = event.user;
    if (event.type === 'join' && !online.has(userId)) {
      total += 1;
      if (online.size < MAX_ONLINE) online.set(userId, name);
    } else if (event.type === 'leave' && online.has(userId)) {
      total -= 1;
      online.delete(userId);
    }
    render();
  });
  if (socket.connected) refresh();
}
