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

// Every message of a batch in its room's stream, in one atomic step, then one notification for the
// other nodes. An entry's stream id is the message's own millisecond (`<ms>-*`), so that a cursor (a
// UUIDv7 holding that millisecond) finds it with one XRANGE of that millisecond; when the stream already
// holds a later one (another node's clock is ahead), Redis picks the next id (`*`).
// KEYS: the rooms set, then one stream per message. ARGV: max, channel, notification, then per message
// its millisecond, id and JSON.
export const APPEND = script(`
local max = ARGV[1]
for i = 2, #KEYS do
  local at = 4 + (i - 2) * 3
  local added = redis.pcall('XADD', KEYS[i], 'MAXLEN', max, ARGV[at] .. '-*', 'i', ARGV[at + 1], 'm', ARGV[at + 2])
  if type(added) == 'table' and added.err then
    redis.call('XADD', KEYS[i], 'MAXLEN', max, '*', 'i', ARGV[at + 1], 'm', ARGV[at + 2])
  end
  redis.call('SADD', KEYS[1], KEYS[i])
end
redis.call('PUBLISH', ARGV[2], ARGV[3])
return #KEYS - 1
`);

// Finds the message ARGV[2] (whose millisecond is ARGV[1]) in any stream of the rooms set KEYS[1]; with
// ARGV[3] = '1' deletes it. Answers its JSON, or false. Costs one XRANGE of one millisecond per room.
export const FIND = script(`
local ms = ARGV[1]
for _, key in ipairs(redis.call('SMEMBERS', KEYS[1])) do
  for _, entry in ipairs(redis.call('XRANGE', key, ms .. '-0', ms .. '-18446744073709551615')) do
    local fields = entry[2]
    for f = 1, #fields, 2 do
      if fields[f] == 'i' and fields[f + 1] == ARGV[2] then
        local json
        for g = 1, #fields, 2 do
          if fields[g] == 'm' then json = fields[g + 1] end
        end
        if ARGV[3] == '1' then redis.call('XDEL', key, entry[1]) end
        return json
      end
    end
  end
end
return false
`);

// One slice of age retention: the streams SSCAN finds from cursor ARGV[1] lose their entries before
// ARGV[2] (an exact MINID); an emptied stream is deleted and leaves the set. Answers the next cursor.
export const EXPIRE = script(`
local scan = redis.call('SSCAN', KEYS[1], ARGV[1], 'COUNT', 100)
for _, key in ipairs(scan[2]) do
  redis.call('XTRIM', key, 'MINID', ARGV[2])
  if redis.call('XLEN', key) == 0 then
    redis.call('DEL', key)
    redis.call('SREM', KEYS[1], key)
  end
end
return scan[1]
`);
