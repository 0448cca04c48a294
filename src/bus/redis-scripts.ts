/**
 * The Lua scripts of the Redis bus. Each runs atomically on the server, so offsets, history,
 * latest value and fan-out of one batch can never disagree, whichever instance publishes.
 */

/**
 * Publish one topic's batch.
 * KEYS: offsets, history, epoch, latest, price key ('' when none).
 * ARGV: epoch candidate, channel, history length (0 = none), latest index (1-based, 0 = none),
 * latest TTL ms, price record JSON ('' = none), price channel, price TTL ms, then the messages' JSON.
 * Publishes `<epoch>\n<first offset>\n<latest index>\n<latest TTL>\n<json>\n<json>…` on the
 * channel (JSON never holds a raw newline) and returns `{epoch, first offset}`.
 */
export const PUBLISH_BATCH = `
local epoch = redis.call('GET', KEYS[3])
if not epoch then
  redis.call('SET', KEYS[3], ARGV[1])
  epoch = ARGV[1]
end
local n = #ARGV - 8
local last = redis.call('INCRBY', KEYS[1], n)
local first = last - n + 1
local keep = tonumber(ARGV[3])
if keep > 0 then
  for i = 1, n do
    redis.call('XADD', KEYS[2], 'MAXLEN', '~', keep, '0-' .. (first + i - 1), 'd', ARGV[8 + i])
  end
end
local li = tonumber(ARGV[4])
if li > 0 then
  redis.call('SET', KEYS[4], epoch .. '\\n' .. (first + li - 1) .. '\\n' .. ARGV[8 + li], 'PX', ARGV[5])
end
if ARGV[6] ~= '' then
  redis.call('SET', KEYS[5], ARGV[6], 'PX', ARGV[8])
  redis.call('PUBLISH', ARGV[7], ARGV[6])
end
redis.call('PUBLISH', ARGV[2], epoch .. '\\n' .. first .. '\\n' .. li .. '\\n' .. ARGV[5] .. '\\n' .. table.concat(ARGV, '\\n', 9))
return {epoch, first}
`;

/**
 * Read a topic's history after an offset.
 * KEYS: offsets, history, epoch. ARGV: first offset wanted, most entries.
 * Returns `{epoch or '', last offset, id of the oldest kept entry or '', entries}`.
 */
export const READ_HISTORY = `
local epoch = redis.call('GET', KEYS[3]) or ''
local top = tonumber(redis.call('GET', KEYS[1]) or '0')
local oldest = redis.call('XRANGE', KEYS[2], '-', '+', 'COUNT', 1)
local entries = redis.call('XRANGE', KEYS[2], '0-' .. ARGV[1], '+', 'COUNT', ARGV[2])
local o = ''
if #oldest > 0 then o = oldest[1][1] end
return {epoch, top, o, entries}
`;

/** The bus epoch: created once (SET NX) and kept until Redis loses its data. KEYS: epoch. ARGV: candidate. */
export const ENSURE_EPOCH = `
local epoch = redis.call('GET', KEYS[1])
if not epoch then
  redis.call('SET', KEYS[1], ARGV[1])
  epoch = ARGV[1]
end
return epoch
`;
