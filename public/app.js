// RelayKit's chat page: plain JavaScript, no build step. The socket.io client is the one the relay
// itself serves, so the page and the socket are always same-origin and the versions always match.
// Message text is only ever put in the page with textContent: whatever people send stays text.
// Relative paths, for the client and the socket alike: behind a proxy that serves the page under a
// sub-path (https://example.com/chat/), both are that sub-path's, not the proxy's root.
import { followOnline } from './online-list.js';
import { retryWait } from './retry-wait.js';
import { io } from './socket.io/socket.io.esm.min.js';

const SOCKET_PATH = new URL('socket.io/', document.baseURI).pathname;

const MAX_MESSAGES = 500;
// While the reader is scrolled up (reading older pages, say), the log keeps up to this many, not fewer.
const MAX_KEPT_SCROLLED_UP = 2000;
const HISTORY_PAGE = 50;
// A gap is read 200 messages a page, at most this many pages (as the client kit does): past what a
// room's history and the relay-wide announcements hold together by default.
const GAP_PAGES = 100;
// Live messages held while a gap is read: past this many, the oldest go (the gap's read brings them).
const MAX_HELD = 5000;
// Redacted ids remembered, so that a redacted message held or read again is never shown.
const MAX_REDACTED = 1000;
// The cursor before every message id: the gap of a room that was empty when the page joined.
const BEFORE_ALL = '00000000-0000-7000-8000-000000000000';
const ACK_TIMEOUT_MS = 5000;
const ROOM_PATTERN = /^[A-Za-z0-9_.-]{1,64}$/;
const KIND_LABELS = { bot: 'bot', http: 'announcement', schedule: 'schedule', system: 'relay' };

const $ = (id) => document.getElementById(id);
const view = {
  status: $('status'),
  statusText: $('status-text'),
  joinView: $('join-view'),
  joinForm: $('join-form'),
  nameInput: $('name-input'),
  roomInput: $('room-input'),
  joinError: $('join-error'),
  chatView: $('chat-view'),
  roomTitle: $('room-title'),
  me: $('me'),
  leaveButton: $('leave-button'),
  log: $('log'),
  sendForm: $('send-form'),
  messageInput: $('message-input'),
  sendError: $('send-error'),
};

/**
 * A token for a relay in jwt auth mode (`?token=` in the page's URL), sent as `auth.token`. Taken out of
 * the address bar at once (it would end up in the history and in shared links) and kept for this tab.
 */
const token = takeToken();

/** The current connection, or null on the join screen. */
let socket = null;
/** Who and where the current connection is. */
let session = { name: '', room: '' };
/**
 * Ids of the messages in the log, so that a replayed or acknowledged message is never shown twice: an id
 * leaves with its item (trimmed), so the set is as large as the log.
 */
const shown = new Set();
/** The newest message id shown (ids sort in publish order): where a gap starts. */
let newestId = null;
/** Messages the relay said were redacted: never shown again. */
const redacted = new Set();
/** The oldest message id shown from the history: "load older" pages back from it. */
let oldestId = null;
/** Where a gap starts while no message is shown: the room's newest message when the page joined. */
let gapBase = null;
/** Live messages that arrive while a gap is read, shown after it; null while no gap is pending. */
let held = null;
/** The connection whose gap is being read, or null. */
let filling = null;

const time = new Intl.DateTimeFormat(undefined, { hour: '2-digit', minute: '2-digit' });

function setStatus(state, text) {
  view.status.dataset.state = state;
  view.statusText.textContent = text;
}

function showError(element, text) {
  element.textContent = text;
}

function contentText(content) {
  if (typeof content === 'string') return content;
  if (content && typeof content.text === 'string') return content.text;
  return JSON.stringify(content, null, 2);
}

function isNearBottom() {
  const { scrollTop, scrollHeight, clientHeight } = view.log;
  return scrollHeight - scrollTop - clientHeight < 80;
}

function append(item) {
  const stick = isNearBottom();
  view.log.append(item);
  const keep = stick ? MAX_MESSAGES : MAX_KEPT_SCROLLED_UP;
  let trimmed = false;
  while (view.log.childElementCount > keep) {
    const first = view.log.querySelector('li:not(.load-older)');
    if (first.dataset.id) shown.delete(first.dataset.id);
    first.remove();
    trimmed = first.classList.contains('message') || trimmed;
  }
  // What was trimmed can be loaded again, from the oldest message still shown.
  if (trimmed && socket !== null) {
    oldestId = view.log.querySelector('li.message')?.dataset.id ?? oldestId;
    if (!view.log.querySelector('.load-older')) view.log.prepend(olderButton(socket));
  }
  if (stick) view.log.scrollTop = view.log.scrollHeight;
}

function olderButton(current) {
  const more = element('li', 'load-older');
  const button = element('button', 'load-older-button', 'Load older messages');
  button.type = 'button';
  button.addEventListener('click', () => showHistory(current, oldestId));
  more.append(button);
  return more;
}

function element(tag, className, text) {
  const node = document.createElement(tag);
  if (className) node.className = className;
  if (text !== undefined) node.textContent = text;
  return node;
}

function renderMessage(content, meta) {
  const item = messageItem(content, meta);
  if (item) append(item);
}

// A message's list item, or null when it is shown already.
function messageItem(content, meta) {
  if (shown.has(meta.id) || redacted.has(meta.id)) return null;
  shown.add(meta.id);
  if (newestId === null || meta.id > newestId) newestId = meta.id;

  const kind = meta.from.kind;
  const mine = kind === 'user' && socket !== null && meta.from.id === socket.id;
  const item = element('li', `message kind-${kind}${mine ? ' mine' : ''}`);
  item.dataset.kind = kind;
  item.dataset.id = meta.id;

  const head = element('div', 'message-head');
  head.append(element('span', 'message-from', mine ? `${meta.from.name} (you)` : meta.from.name));
  const label = KIND_LABELS[kind];
  if (label && label !== meta.from.name) head.append(element('span', 'badge', label));
  if (meta.room === null && kind !== 'system') head.append(element('span', 'badge scope', 'everyone'));
  if (meta.to) head.append(element('span', 'badge private', 'only you'));
  const at = new Date(meta.at);
  const stamp = element('time', 'message-time', Number.isNaN(at.getTime()) ? '' : time.format(at));
  stamp.dateTime = meta.at;
  head.append(stamp);

  // Objects without a `text` field are shown as their JSON, preformatted.
  const plain = typeof content === 'string' || typeof content?.text === 'string';
  const body = element(plain ? 'p' : 'pre', 'message-text', contentText(content));
  item.append(head);
  const card = plain && typeof content === 'object' ? renderCard(content) : null;
  if (card) item.append(card);
  item.append(body);
  return item;
}

// History from before the page joined (or from before the oldest shown), put above what is shown, so
// that messages which arrived live meanwhile stay below it.
function showHistory(current, before, attempt = 0) {
  const request = before ? { before, limit: HISTORY_PAGE } : { limit: HISTORY_PAGE };
  current.timeout(ACK_TIMEOUT_MS).emit('history', request, (error, answer) => {
    if (socket !== current) return;
    if (error || !answer.ok) {
      // The room's history on joining is asked again while the refusal passes; "Load older" is a button.
      const wait = !before && current.connected ? retryWait(error, answer, attempt) : null;
      if (wait !== null) {
        setTimeout(() => socket === current && showHistory(current, before, attempt + 1), wait);
        return;
      }
      if (!before) view.log.setAttribute('aria-busy', 'false');
      if (answer?.error?.code !== 'RELAY_ERR_HISTORY_OFF') {
        renderNote(
          `Could not load ${before ? 'older messages' : "the room's history"}: ${why(error, answer)}.`,
        );
      }
      return;
    }
    if (!before) view.log.setAttribute('aria-busy', 'false');
    const items = answer.messages.map(({ content, meta }) => messageItem(content, meta)).filter(Boolean);
    const first = view.log.querySelector('li:not(.load-older)');
    for (const item of items) view.log.insertBefore(item, first);
    if (answer.messages[0]) oldestId = answer.messages[0].meta.id;
    if (!before) gapBase = answer.messages.at(-1)?.meta.id ?? BEFORE_ALL;
    view.log.querySelector('.load-older')?.remove();
    if (answer.more) view.log.prepend(olderButton(current));
    if (!before) view.log.scrollTop = view.log.scrollHeight;
  });
}

// After a reconnect the relay could not recover, the messages sent meanwhile come from the history,
// page after page, after the newest shown (ids sort in publish order), or where the room stood when the
// page joined; live messages that arrive meanwhile are held, and shown after them. A page refused for a
// passing reason is asked again; a drop keeps what is held, and the next connection reads on.
function fillGap(current) {
  const after = newestId ?? gapBase;
  if (!after || filling === current) return;
  filling = current;
  held ??= [];
  const release = (complete) => {
    filling = null;
    const waiting = held ?? [];
    held = null;
    for (const [content, meta] of waiting) {
      // Read to its end, the history brought every kept message up to the newest shown: the log may
      // have trimmed some of them already, and they must not come back below.
      const kept = meta.to === undefined && meta.from.kind !== 'system';
      if (complete && kept && newestId !== null && meta.id <= newestId) continue;
      renderMessage(content, meta);
    }
  };
  const read = (cursor, page, attempt) => {
    current.timeout(ACK_TIMEOUT_MS).emit('history', { after: cursor, limit: 200 }, (error, answer) => {
      if (socket !== current) return;
      if (!current.connected) {
        filling = null; // held stays: the next connection reads on from the newest shown
        return;
      }
      if (error || !answer.ok) {
        const wait = retryWait(error, answer, attempt);
        if (wait !== null) {
          setTimeout(() => {
            if (socket !== current) return;
            // Dropped meanwhile: held stays, and the next connection reads on.
            if (current.connected) read(cursor, page, attempt + 1);
            else filling = null;
          }, wait);
          return;
        }
        if (answer?.error?.code !== 'RELAY_ERR_HISTORY_OFF') {
          renderNote(`Some messages sent while you were away could not be loaded: ${why(error, answer)}.`);
        }
        return release(false);
      }
      for (const { content, meta } of answer.messages) renderMessage(content, meta);
      const last = answer.messages.at(-1);
      if (answer.more && last && page + 1 < GAP_PAGES) read(last.meta.id, page + 1, 0);
      else release(!answer.more);
    });
  };
  read(after, 0, 0);
}

// How long to wait before asking a refused history page again, or null to give up.
function why(error, answer) {
  return error ? 'the relay did not answer in time' : `${answer.error.message} (${answer.error.code})`;
}

function removeRedacted({ id }) {
  redacted.add(id);
  if (redacted.size > MAX_REDACTED) redacted.delete(redacted.values().next().value);
  if (held !== null) held = held.filter(([, meta]) => meta.id !== id);
  for (const item of view.log.querySelectorAll('li.message')) {
    if (item.dataset.id === id) {
      shown.delete(id);
      item.remove();
    }
  }
}

// Only absolute http(s) links are followed; anything else (javascript:, data:, relative) is not a link.
function httpLink(value) {
  if (typeof value !== 'string') return null;
  try {
    const url = new URL(value);
    return url.protocol === 'http:' || url.protocol === 'https:' ? url.href : null;
  } catch {
    return null;
  }
}

// The structure of a rich announcement (webhooks: title, link, fields, colour, status), every value
// written as text. Returns null when the content has none of it.
function renderCard(content) {
  const title = typeof content.title === 'string' ? content.title : null;
  const status = typeof content.status === 'string' ? content.status : null;
  const fields = Array.isArray(content.fields)
    ? content.fields
        .filter((field) => field && typeof field.title === 'string' && typeof field.value === 'string')
        .slice(0, 20)
    : [];
  if (!title && !status && fields.length === 0) return null;
  const card = element('div', 'message-card');
  if (typeof content.color === 'string' && /^#[0-9a-f]{6}$/i.test(content.color)) {
    card.style.borderLeftColor = content.color;
  }
  if (title || status) {
    const line = element('div', 'card-title');
    if (status)
      line.append(element('span', `badge hook-status hook-status-${status.replace(/[^a-z]/gi, '')}`, status));
    const link = httpLink(content.link);
    if (title && link) {
      const anchor = element('a', 'card-link', title);
      anchor.href = link;
      anchor.rel = 'noopener noreferrer nofollow';
      anchor.target = '_blank';
      line.append(anchor);
    } else if (title) {
      line.append(element('strong', null, title));
    }
    card.append(line);
  }
  if (fields.length > 0) {
    const list = element('dl', 'card-fields');
    for (const field of fields)
      list.append(element('dt', null, field.title), element('dd', null, field.value));
    card.append(list);
  }
  return card;
}

function renderNote(text) {
  const item = element('li', 'note', text);
  item.dataset.kind = 'note';
  append(item);
}

function connect(name, room) {
  disconnect();
  session = { name, room };
  shown.clear();
  newestId = null;
  redacted.clear();
  oldestId = null;
  gapBase = null;
  held = null;
  filling = null;
  view.log.replaceChildren();
  setStatus('connecting', 'Connecting…');

  // greet: false — the page writes its own "You joined" notice, so the relay's greeting (the seed's "New
  // user connected", meant for the tutorial's clients) is not sent to it; others in the room still hear
  // it. resumed, set once connected: a reconnection is not greeted again, nor welcomed by bots.
  // watchPresence: the online list follows who comes and goes.
  const auth = { name, room, greet: false, watchPresence: true, ...(token ? { token } : {}) };
  const current = io({ path: SOCKET_PATH, auth, reconnectionDelayMax: 5000 });
  socket = current;
  followOnline(current, $('online-list'), $('online-title'));
  let everConnected = false;

  current.on('connect', () => {
    setStatus('connected', 'Connected');
    showError(view.sendError, '');
    if (everConnected) {
      renderNote('Reconnected.');
      // A fill a drop cut short goes on too, even after a recovered reconnection.
      if (!current.recovered || held !== null) fillGap(current);
    } else {
      renderNote(`You joined #${room}`);
      // Busy until the room's history is shown (assistive technology waits; tests too).
      view.log.setAttribute('aria-busy', 'true');
      showHistory(current, null);
    }
    everConnected = true;
    auth.resumed = true;
  });
  current.on('disconnect', (reason) => {
    if (socket !== current) return;
    setStatus('reconnecting', 'Connection lost, reconnecting…');
    renderNote('Connection lost. Reconnecting…');
    // The relay ended the session itself: socket.io does not retry that on its own.
    if (reason === 'io server disconnect') setTimeout(() => socket === current && current.connect(), 1000);
  });
  current.io.on('reconnect_attempt', (attempt) => {
    if (socket === current) setStatus('reconnecting', `Reconnecting… (attempt ${attempt})`);
  });
  current.on('connect_error', (error) => {
    if (current.active) {
      setStatus(
        everConnected ? 'reconnecting' : 'connecting',
        everConnected ? 'Reconnecting…' : 'Connecting…',
      );
      return;
    }
    // Refused by the relay (bad name or room): back to the form with its reason.
    const reason = error.data?.message ?? error.message;
    disconnect();
    showJoin();
    showError(view.joinError, `The relay refused to connect: ${reason}`);
  });
  current.on('sendMessageFromBack', (content, meta) => {
    if (held === null) renderMessage(content, meta);
    else if (held.push([content, meta]) > MAX_HELD) held.shift();
  });
  current.on('messageRedacted', removeRedacted);
  current.on('relayError', (error) => showError(view.sendError, `${error.message} (${error.code})`));
}

function disconnect() {
  if (!socket) return;
  const previous = socket;
  socket = null;
  previous.removeAllListeners();
  previous.io.removeAllListeners();
  previous.disconnect();
  setStatus('idle', 'Not connected');
}

function showJoin() {
  view.chatView.hidden = true;
  view.joinView.hidden = false;
  view.nameInput.focus();
}

function showChat(name, room) {
  view.roomTitle.textContent = `#${room}`;
  view.me.textContent = `You are ${name}`;
  view.joinView.hidden = true;
  view.chatView.hidden = false;
  showError(view.sendError, '');
  view.messageInput.focus();
}

function remember(name, room) {
  try {
    localStorage.setItem('relaykit.name', name);
    localStorage.setItem('relaykit.room', room);
  } catch {
    // Storage can be off (private mode); remembering is only a convenience.
  }
}

function recalled(key) {
  try {
    return localStorage.getItem(key);
  } catch {
    return null;
  }
}

// The token's name claim (else its sub), as the relay will show it: the page only reads it, the relay
// checks the token.
function tokenName(value) {
  try {
    const part = value.split('.')[1].replace(/-/g, '+').replace(/_/g, '/');
    // atob gives one character per byte: the claims are UTF-8 (a name such as "José").
    const bytes = Uint8Array.from(atob(part), (char) => char.charCodeAt(0));
    const claims = JSON.parse(new TextDecoder().decode(bytes));
    const name = typeof claims.name === 'string' ? claims.name : claims.sub;
    return typeof name === 'string' ? name.slice(0, 40) : '';
  } catch {
    return '';
  }
}

function takeToken() {
  const url = new URL(location.href);
  const given = url.searchParams.get('token');
  if (given) {
    url.searchParams.delete('token');
    history.replaceState(null, '', url.href);
    try {
      sessionStorage.setItem('relaykit.token', given);
    } catch {
      // Storage can be off: the token then lasts until the page is reloaded.
    }
    return given;
  }
  try {
    return sessionStorage.getItem('relaykit.token');
  } catch {
    return null;
  }
}

view.joinForm.addEventListener('submit', (event) => {
  event.preventDefault();
  const name = token ? tokenName(token) || 'you' : view.nameInput.value.trim();
  const room = view.roomInput.value.trim() || 'lobby';
  view.nameInput.setAttribute('aria-invalid', String(name === ''));
  view.roomInput.setAttribute('aria-invalid', String(!ROOM_PATTERN.test(room)));
  if (name === '') {
    showError(view.joinError, 'Please pick a name.');
    view.nameInput.focus();
    return;
  }
  if (!ROOM_PATTERN.test(room)) {
    showError(view.joinError, 'Room names use letters, digits, -, _ and . only (up to 64).');
    view.roomInput.focus();
    return;
  }
  showError(view.joinError, '');
  remember(name, room);
  showChat(name, room);
  connect(name, room);
});

view.sendForm.addEventListener('submit', (event) => {
  event.preventDefault();
  const text = view.messageInput.value;
  if (text.trim() === '' || !socket) return;
  if (!socket.connected) {
    // Not buffered for later: the person would not know when, or whether, it went out.
    showError(view.sendError, 'Not connected: your message was not sent. It is still in the box.');
    return;
  }
  const current = socket;
  view.messageInput.value = '';
  showError(view.sendError, '');
  current.timeout(ACK_TIMEOUT_MS).emit('sendMessage', text, (error, answer) => {
    if (socket !== current) return;
    if (error || !answer.ok) {
      if (view.messageInput.value === '') view.messageInput.value = text;
      const reason = error
        ? 'the relay did not answer in time'
        : `${answer.error.message} (${answer.error.code})`;
      showError(view.sendError, `Not sent: ${reason}.`);
      return;
    }
    // With routing "others" the relay does not send our own message back: show it from the ack.
    if (!shown.has(answer.id)) {
      renderMessage(text, {
        id: answer.id,
        from: { id: current.id, name: session.name, kind: 'user' },
        room: session.room,
        at: new Date().toISOString(),
      });
    }
  });
});

view.leaveButton.addEventListener('click', () => {
  disconnect();
  showJoin();
});

const params = new URLSearchParams(location.search);
view.nameInput.value = params.get('name') ?? recalled('relaykit.name') ?? '';
if (token) {
  // Signed in: the relay takes the name from the token, so the field shows it and cannot change it.
  view.nameInput.value = tokenName(token);
  view.nameInput.readOnly = true;
  document.getElementById('name-hint').textContent = 'From your sign-in token.';
}
view.roomInput.value = params.get('room') ?? recalled('relaykit.room') ?? 'lobby';
view.nameInput.focus();
