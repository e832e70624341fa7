import { createHash } from 'node:crypto';

/** A Lua script Redis runs atomically, called by its SHA-1 once Redis knows it. */
export interface RedisScript {
  readonly source: string;
  readonly sha: string;
}

const script = (source: string): RedisScript => ({
  source,
  sha: createHash('sha1').update(source).digest('hex'),
});

/** What {@link runScript} needs of a Redis client. */
type CommandSender = { sendCommand(args: string[]): Promise<unknown> };

/**
 * Runs `script` by its SHA-1 (Redis keeps a script it was sent once), sending it again after Redis lost
 * it (a restart). `ordered`: always sent as EVAL, for calls of successive turns in flight together (the
 * appends): after a NOSCRIPT, a later call's EVALSHA would run before an earlier call's retry and
 * reorder a room; EVALs run in the order Redis received them, for 900 bytes more a call.
 *
 * @example
 * ```ts
 * await runScript(redis, FIND, [INDEX], [id, '0']);
 * ```
 */
export async function runScript(
  redis: CommandSender,
  run: RedisScript,
  keys: readonly string[],
  args: readonly string[],
  ordered = false,
): Promise<unknown> {
  const tail = [String(keys.length), ...keys, ...args];
  if (ordered) return redis.sendCommand(['EVAL', run.source, ...tail]);
  try {
    return await redis.sendCommand(['EVALSHA', run.sha, ...tail]);
  } catch (error) {
    if (!String((error as Error).message).startsWith('NOSCRIPT')) throw error;
    return redis.sendCommand(['EVAL', run.source, ...tail]);
  }
}

// Every message of a batch in its room's stream, in one atomic step, then one notification for the
// other nodes. Entry ids are `<ms>-<seq>`: Redis's clock (never going back) and one counter for every
// stream, so that the ids of all streams are in one order, the order Redis stored them in, whichever
// node wrote them; the index hash finds a message's entry by its id. Each stream keeps its newest `max`
// entries (the trimmed ones leave the index too).
// KEYS: the streams set, the index, the counter, the clock, then one stream per message.
// ARGV: max, channel, notification, then per message its id and JSON.
export const APPEND = script(`
local max = tonumber(ARGV[1])
local now = redis.call('TIME')
local ms = tonumber(now[1]) * 1000 + math.floor(tonumber(now[2]) / 1000)
local last = tonumber(redis.call('GET', KEYS[4]) or '0')
if ms < last then ms = last end
redis.call('SET', KEYS[4], string.format('%.0f', ms))
for i = 5, #KEYS do
  local at = 4 + (i - 5) * 2
  local id = string.format('%.0f', ms) .. '-' .. redis.call('INCR', KEYS[3])
  redis.call('XADD', KEYS[i], id, 'i', ARGV[at], 'm', ARGV[at + 1])
  redis.call('HSET', KEYS[2], ARGV[at], KEYS[i] .. ' ' .. id)
  redis.call('SADD', KEYS[1], KEYS[i])
  local excess = redis.call('XLEN', KEYS[i]) - max
  if excess > 0 then
    for _, entry in ipairs(redis.call('XRANGE', KEYS[i], '-', '+', 'COUNT', excess)) do
      redis.call('HDEL', KEYS[2], entry[2][2])
      redis.call('XDEL', KEYS[i], entry[1])
    end
  end
end
redis.call('PUBLISH', ARGV[2], ARGV[3])
return #KEYS - 4
`);

// The entry of message ARGV[1] (KEYS[1] the index): its JSON, or false; with ARGV[2] = '1' deletes it,
// keeping where it was in KEYS[2] (and by its millisecond in KEYS[3], for the age trim) for cursors.
export const FIND = script(`
local where = redis.call('HGET', KEYS[1], ARGV[1])
if not where then return false end
local space = string.find(where, ' ', 1, true)
local key = string.sub(where, 1, space - 1)
local id = string.sub(where, space + 1)
local entry = redis.call('XRANGE', key, id, id)[1]
if ARGV[2] == '1' then
  redis.call('HDEL', KEYS[1], ARGV[1])
  redis.call('XDEL', key, id)
  redis.call('HSET', KEYS[2], ARGV[1], id)
  redis.call('ZADD', KEYS[3], tonumber(string.match(id, '^(%d+)')), ARGV[1])
end
if not entry then return false end
return { id, entry[2][4] }
`);

// Where message ARGV[1] is or was in its stream: its entry id from the index (KEYS[1]), else from the
// redacted ones (KEYS[2]), else false (never kept, or trimmed).
export const PLACE = script(`
local where = redis.call('HGET', KEYS[1], ARGV[1])
if where then return string.sub(where, string.find(where, ' ', 1, true) + 1) end
return redis.call('HGET', KEYS[2], ARGV[1])
`);

// One slice of age retention: the streams SSCAN finds from cursor ARGV[1] (KEYS[1] the set, KEYS[2] the
// index) lose up to 1000 entries each from before ARGV[2] (an entry id); an emptied stream is deleted
// and leaves the set; up to 1000 redacted ids from before it leave KEYS[3] and KEYS[4]. Answers the next
// cursor.
export const EXPIRE = script(`
local before = tonumber(string.match(ARGV[2], '^(%d+)'))
for _, gone in ipairs(redis.call('ZRANGEBYSCORE', KEYS[4], '-inf', '(' .. before, 'LIMIT', 0, 1000)) do
  redis.call('HDEL', KEYS[3], gone)
  redis.call('ZREM', KEYS[4], gone)
end
local scan = redis.call('SSCAN', KEYS[1], ARGV[1], 'COUNT', 100)
for _, key in ipairs(scan[2]) do
  for _, entry in ipairs(redis.call('XRANGE', key, '-', '(' .. ARGV[2], 'COUNT', 1000)) do
    redis.call('HDEL', KEYS[2], entry[2][2])
    redis.call('XDEL', key, entry[1])
  end
  if redis.call('XLEN', key) == 0 then
    redis.call('DEL', key)
    redis.call('SREM', KEYS[1], key)
  end
end
return scan[1]
`);

// One page read of each stream in KEYS, as one atomic step (so that a message appended meanwhile is in
// every list or in none), with ARGV the command (XRANGE or XREVRANGE), its two bounds and COUNT. A
// script rather than MULTI: Redis refuses every command of a transaction while it is full (maxmemory),
// reads included, and runs a script that only reads.
export const READ = script(`
local lists = {}
for i = 1, #KEYS do
  lists[i] = redis.call(ARGV[1], KEYS[i], ARGV[2], ARGV[3], 'COUNT', ARGV[4])
end
return lists
`);
