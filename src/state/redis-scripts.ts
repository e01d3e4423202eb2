/**
 * The Lua scripts behind RedisStore: each store operation is one script, so
 * it runs atomically on the Redis server (no read-modify-write race between
 * gateways) in one round trip. They mirror rate-table.ts, quota-table.ts and
 * lease-table.ts line for line; read those for the why.
 *
 * ARGV[1] is the time in epoch ms, or '' for the Redis server's own clock
 * (TIME): with several hosts, one clock decides where windows and periods
 * begin, so two hosts whose clocks disagree cannot reset a quota period back
 * and forth. Tests pass their manual clock.
 *
 * Numbers that may be fractional (kilobytes, counts) go back to the client
 * as strings: Redis would truncate a Lua number to an integer reply.
 */

const PRELUDE = `
local function clock()
  if ARGV[1] ~= '' then return tonumber(ARGV[1]) end
  local t = redis.call('TIME')
  return tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
end
local function fmt(n) return string.format('%.17g', n) end
`;

/**
 * Sliding-window log. KEYS[1]: list of "first last amount" buckets, oldest
 * first; KEYS[2]: their total. ARGV: now, limit, periodMs, amount, mode
 * ('consume' checks then counts, 'add' counts unconditionally).
 * Returns {allowed 0/1, count, retryAfterSeconds}.
 */
export const RATE_SCRIPT = `${PRELUDE}
local now = clock()
local limit = tonumber(ARGV[2])
local periodMs = tonumber(ARGV[3])
local amount = tonumber(ARGV[4])
local function bucket(text)
  local first, last, n = string.match(text, '^(%S+) (%S+) (%S+)$')
  return tonumber(first), tonumber(last), tonumber(n)
end

-- Drop the buckets that have aged out.
local total = tonumber(redis.call('GET', KEYS[2]) or '0')
local dropped = false
while true do
  local head = redis.call('LINDEX', KEYS[1], 0)
  if not head then total = 0 break end
  local _, last, n = bucket(head)
  if last + periodMs > now then break end
  redis.call('LPOP', KEYS[1])
  total = total - n
  dropped = true
end

local exhausted
if amount > 0 then exhausted = total + amount > limit else exhausted = total >= limit end
if ARGV[5] == 'consume' and exhausted then
  if dropped then
    if total == 0 then redis.call('DEL', KEYS[1], KEYS[2]) else redis.call('SET', KEYS[2], fmt(total), 'KEEPTTL') end
  end
  -- Time until enough of the oldest buckets age out for this call to fit.
  local need = math.max(amount, 1)
  local retryMs = periodMs
  if need <= limit then
    local left = total
    for _, text in ipairs(redis.call('LRANGE', KEYS[1], 0, -1)) do
      local _, last, n = bucket(text)
      left = left - n
      if left + need <= limit then retryMs = last + periodMs - now break end
    end
  end
  return {0, fmt(total), math.max(1, math.ceil(retryMs / 1000))}
end

if amount > 0 then
  total = total + amount
  local bucketMs = math.min(1000, periodMs / 60)
  local tail = redis.call('LINDEX', KEYS[1], -1)
  local first, _, n
  if tail then first, _, n = bucket(tail) end
  if tail and now - first < bucketMs then
    redis.call('LSET', KEYS[1], -1, fmt(first) .. ' ' .. fmt(now) .. ' ' .. fmt(n + amount))
  else
    redis.call('RPUSH', KEYS[1], fmt(now) .. ' ' .. fmt(now) .. ' ' .. fmt(amount))
  end
  redis.call('SET', KEYS[2], fmt(total))
  -- Everything in the window has aged out one period after this call.
  redis.call('PEXPIRE', KEYS[1], math.ceil(periodMs))
  redis.call('PEXPIRE', KEYS[2], math.ceil(periodMs))
elseif dropped then
  if total == 0 then redis.call('DEL', KEYS[1], KEYS[2]) else redis.call('SET', KEYS[2], fmt(total), 'KEEPTTL') end
end
return {1, fmt(total), 0}
`;

/**
 * Fixed quota period. KEYS[1]: hash {start, end, calls, kb}. ARGV: now,
 * periodMs (0 = never renews), anchorMs, callsLimit ('' = none), kbLimit
 * ('' = none), addCalls, addKb, mode. Returns {allowed 0/1, exceeded
 * ('' | 'calls' | 'bandwidth'), callsUsed, kbUsed, renewsInSeconds (-1 = never)}.
 */
export const QUOTA_SCRIPT = `${PRELUDE}
local now = clock()
local periodMs = tonumber(ARGV[2])
local anchor = tonumber(ARGV[3])
local addCalls = tonumber(ARGV[6])
local addKb = tonumber(ARGV[7])
local startText, endText, finish = 'never', 'never', nil
if periodMs > 0 then
  local start = anchor + math.floor((now - anchor) / periodMs) * periodMs
  finish = start + periodMs
  startText, endText = fmt(start), fmt(finish)
end

local stored = redis.call('HMGET', KEYS[1], 'start', 'end', 'calls', 'kb')
local calls, kb = 0, 0
if stored[1] == startText and stored[2] == endText then
  calls, kb = tonumber(stored[3]), tonumber(stored[4])
end
local renews = -1
if finish then renews = math.ceil((finish - now) / 1000) end

local function exhausted(used, adding, limit)
  if adding > 0 then return used + adding > limit end
  return used >= limit
end
if ARGV[8] == 'consume' then
  local exceeded = ''
  if ARGV[4] ~= '' and exhausted(calls, addCalls, tonumber(ARGV[4])) then exceeded = 'calls'
  elseif ARGV[5] ~= '' and exhausted(kb, addKb, tonumber(ARGV[5])) then exceeded = 'bandwidth' end
  if exceeded ~= '' then return {0, exceeded, fmt(calls), fmt(kb), renews} end
end

calls, kb = calls + addCalls, kb + addKb
redis.call('HSET', KEYS[1], 'start', startText, 'end', endText, 'calls', fmt(calls), 'kb', fmt(kb))
if finish then redis.call('PEXPIRE', KEYS[1], math.max(1, math.ceil(finish - now))) else redis.call('PERSIST', KEYS[1]) end
return {1, '', fmt(calls), fmt(kb), renews}
`;

/**
 * Concurrency slots. KEYS[1]: sorted set of lease ids scored by expiry.
 * ARGV: now, max, leaseMs, leaseId. Returns {acquired 0/1, inUse}.
 */
export const ACQUIRE_LEASE_SCRIPT = `${PRELUDE}
local now = clock()
local max = tonumber(ARGV[2])
local leaseMs = tonumber(ARGV[3])
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', fmt(now))
local inUse = redis.call('ZCARD', KEYS[1])
if inUse >= max then return {0, inUse} end
redis.call('ZADD', KEYS[1], fmt(now + leaseMs), ARGV[4])
if redis.call('PTTL', KEYS[1]) < leaseMs then redis.call('PEXPIRE', KEYS[1], math.ceil(leaseMs)) end
return {1, inUse + 1}
`;

/**
 * Extends held leases. KEYS[1]: the sorted set; ARGV: now, then pairs of
 * lease id and milliseconds from now. A lease already taken back stays
 * gone (ZADD XX).
 */
export const RENEW_LEASES_SCRIPT = `${PRELUDE}
local now = clock()
local longest = 0
for i = 2, #ARGV, 2 do
  local ms = tonumber(ARGV[i + 1])
  redis.call('ZADD', KEYS[1], 'XX', fmt(now + ms), ARGV[i])
  longest = math.max(longest, ms)
end
if redis.call('PTTL', KEYS[1]) < longest then redis.call('PEXPIRE', KEYS[1], math.ceil(longest)) end
return 0
`;
