/// The Lua scripts that make multi-key steps atomic. Each takes its keys only through
/// KEYS[] (so the scripts stay valid on a Redis Cluster with hash tags) and documents its
/// KEYS and ARGV at the top. Run with EVALSHA, loaded on first use and again after NOSCRIPT
/// (a restarted Redis has forgotten them).
///
/// Memory: every script starts with a shebang, so Redis judges it whole before running it
/// (a script without one could free keys and then fail half-way on its first write when
/// Redis is full). Scripts that move, shrink or free what work already holds, or write a few
/// bytes of bookkeeping, carry `allow-oom`: workers, reducers and the reaper keep draining a
/// full Redis, which is what frees it. Only admitting new work (`claim`) and registering a
/// process are refused when Redis is over `maxmemory`; callers wait and retry (back-pressure).
///
/// Order of writes: a script that fails half-way (a command its ACL user lacks) keeps the
/// writes before the failing one, so each script writes what keeps work (a pushed copy, a
/// stored result, the new state) before it deletes anything (the held copy, the pixels).
/// A refused command then loses nothing.
enum LuaScript: String, CaseIterable {
    case take, settle, extend, expired, batchResult, transition, claim, complete, releaseLock
    case push, putPayload, attempt, beat, lock, count, deadLetter

    /// Whether the script may run while Redis is over `maxmemory` (see above).
    var allowsOutOfMemory: Bool { self != .claim }

    var source: String {
        (allowsOutOfMemory ? "#!lua flags=allow-oom\n" : "#!lua\n") + body
    }

    /// The transition rules, shared by `transition` and `deadLetter` (one definition).
    /// `move(study hash, sets, id, new state, reason, now, attempt or '')` → applied, state, reason.
    private static let moveFunction = """
        local function move(hash, sets, id, new, why, now, attempt)
          local rank = {queued=1, ingesting=2, classifying=3, reducing=4, done=5, failed=5}
          if not rank[new] then return redis.error_reply('unknown state ' .. new) end
          local cur = redis.call('HGET', hash, 'state')
          local reason = redis.call('HGET', hash, 'reason') or ''
          if attempt ~= '' and tonumber(redis.call('HGET', hash, 'attempt') or '1') ~= tonumber(attempt) then
            return {0, cur or new, reason}
          end
          if cur and rank[cur] then
            local final = (cur == 'done' or cur == 'failed')
            if final or (new ~= 'failed' and rank[new] < rank[cur]) then
              return {0, cur, reason}
            end
          end
          redis.call('HSET', hash, 'state', new, 'reason', why, 'updated', now)
          redis.call('SADD', sets[new], id)
          if cur and sets[cur] and cur ~= new then redis.call('SREM', sets[cur], id) end
          return {1, new, why}
        end
        """

    private var body: String {
        switch self {
        case .take:
            return """
            -- Take one item, urgent lane first, into the caller's processing list.
            -- KEYS[1] urgent queue   KEYS[2] bulk queue
            -- KEYS[3] processing list for urgent items   KEYS[4] processing list for bulk items
            -- Returns {lane, item} or nil.
            local v = redis.call('LMOVE', KEYS[1], KEYS[3], 'RIGHT', 'LEFT')
            if v then return {'urgent', v} end
            v = redis.call('LMOVE', KEYS[2], KEYS[4], 'RIGHT', 'LEFT')
            if v then return {'bulk', v} end
            return false
            """
        case .settle:
            return """
            -- Remove an item from a processing list and, only if it was there, push a value.
            -- KEYS[1] processing list   KEYS[2] destination list (queue or dead letters)
            -- KEYS[3] deadlines of the processing list (zset)   KEYS[4] (ack only, optional) attempt
            -- count of the message, forgotten only if the item was still held: a reclaimed
            -- item's count must survive a late ack.
            -- ARGV[1] the item   ARGV[2] mode: ack | head | tail   ARGV[3] value to push
            -- head = RPUSH (taken next), tail = LPUSH (taken last). Returns 1 if removed, else 0.
            if redis.call('LPOS', KEYS[1], ARGV[1]) == false then
              redis.call('ZREM', KEYS[3], ARGV[1])
              return 0
            end
            if ARGV[2] == 'head' then redis.call('RPUSH', KEYS[2], ARGV[3])
            elseif ARGV[2] == 'tail' then redis.call('LPUSH', KEYS[2], ARGV[3]) end
            redis.call('LREM', KEYS[1], 1, ARGV[1])
            if redis.call('LPOS', KEYS[1], ARGV[1]) == false then redis.call('ZREM', KEYS[3], ARGV[1]) end
            if KEYS[4] then redis.call('DEL', KEYS[4]) end
            return 1
            """
        case .extend:
            return """
            -- Set the deadline of an item this process holds to now + ARGV[2] ms (server clock,
            -- so hosts with skewed clocks agree); an item no longer held loses its deadline.
            -- KEYS[1] processing list   KEYS[2] deadlines (zset)   ARGV[1] the item   ARGV[2] ms
            -- Returns 1 if the item is held, else 0.
            if redis.call('LPOS', KEYS[1], ARGV[1]) == false then
              redis.call('ZREM', KEYS[2], ARGV[1])
              return 0
            end
            local t = redis.call('TIME')
            redis.call('ZADD', KEYS[2], t[1] * 1000 + math.floor(t[2] / 1000) + tonumber(ARGV[2]), ARGV[1])
            return 1
            """
        case .expired:
            return """
            -- The items of a processing list whose deadline has passed. An item without a
            -- deadline (taken by an older build, or its deadline write failed) gets one of
            -- now + ARGV[1] ms, so it too is returned if nobody extends it.
            -- KEYS[1] processing list   KEYS[2] deadlines (zset)   ARGV[1] ms
            -- Returns the expired items.
            local t = redis.call('TIME')
            local now = t[1] * 1000 + math.floor(t[2] / 1000)
            local items = redis.call('LRANGE', KEYS[1], 0, -1)
            if #items == 0 then redis.call('DEL', KEYS[2]); return {} end
            local out = {}
            for _, v in ipairs(items) do
              local d = redis.call('ZSCORE', KEYS[2], v)
              if not d then redis.call('ZADD', KEYS[2], now + tonumber(ARGV[1]), v)
              elseif tonumber(d) <= now then table.insert(out, v) end
            end
            return out
            """
        case .batchResult:
            return """
            -- Store one batch result (first write wins), free the batch's pixels, and enqueue the
            -- reduce item exactly once when the attempt has all its batch results. A result of
            -- an attempt that is no longer current (a new attempt cleared reduce_enqueued), or
            -- of a study already done or failed (a duplicate batch finishing after the reducer
            -- freed the results), writes nothing. The result is smaller than the pixels it
            -- replaces, so this runs even when Redis is full: it is what drains it.
            -- KEYS[1] results hash of the attempt   KEYS[2] study hash   KEYS[3] reduce queue (lane)
            -- KEYS[4] the batch's payload key (deleted in every case)
            -- ARGV[1] field   ARGV[2] result bytes   ARGV[3] batch count   ARGV[4] reduce message
            -- ARGV[5] TTL of the results hash (seconds)   ARGV[6] attempt
            -- Returns {stored 0|1, reduce enqueued 0|1, stale 0|1}.
            local study = redis.call('HMGET', KEYS[2], 'attempt', 'state')
            if tonumber(study[1] or '1') ~= tonumber(ARGV[6]) or study[2] == 'done' or study[2] == 'failed' then
              redis.call('DEL', KEYS[4])
              return {0, 0, 1}
            end
            local stored = redis.call('HSETNX', KEYS[1], ARGV[1], ARGV[2])
            redis.call('EXPIRE', KEYS[1], ARGV[5])
            local enqueued = 0
            if redis.call('HLEN', KEYS[1]) >= tonumber(ARGV[3]) then
              if redis.call('HSETNX', KEYS[2], 'reduce_enqueued', '1') == 1 then
                redis.call('LPUSH', KEYS[3], ARGV[4])
                enqueued = 1
              end
            end
            redis.call('DEL', KEYS[4])
            return {stored, enqueued, 0}
            """
        case .transition:
            return """
            -- Move a study to a new state if the state machine allows it and the caller's
            -- attempt is still the current one (a stale attempt never moves the state).
            -- KEYS[1] study hash   KEYS[2..7] state sets: queued ingesting classifying reducing done failed
            -- ARGV[1] study id   ARGV[2] new state   ARGV[3] reason   ARGV[4] now (s)
            -- ARGV[5] attempt, or '' for whatever attempt is current
            -- Returns {applied 0|1, state after, reason after}.
            \(Self.moveFunction)
            local sets = {queued=KEYS[2], ingesting=KEYS[3], classifying=KEYS[4], reducing=KEYS[5], done=KEYS[6], failed=KEYS[7]}
            return move(KEYS[1], sets, ARGV[1], ARGV[2], ARGV[3], ARGV[4], ARGV[5])
            """
        case .claim:
            return """
            -- Claim a study id for a submission: create the study (attempt 1), or start a new
            -- attempt of the same series, and push its study message, all in one step; or
            -- report what is there and change nothing. Two racing claims enqueue once.
            -- KEYS[1] study hash   KEYS[2..7] state sets: queued ingesting classifying reducing done failed
            -- KEYS[8] studies queue (lane)
            -- ARGV[1] study id   ARGV[2] identity   ARGV[3] label   ARGV[4] now (s)
            -- ARGV[5] '1' for a new attempt   ARGV[6] attempt the message was built for   ARGV[7] message
            -- ARGV[8] the message id: a claim repeated after a lost reply answers 'claimed' again
            -- Returns {outcome, attempt, state, reason, updated, identity, label};
            -- outcome: claimed | exists | clash | changed (the attempt moved on: read and retry).
            local sets = {queued=KEYS[2], ingesting=KEYS[3], classifying=KEYS[4], reducing=KEYS[5], done=KEYS[6], failed=KEYS[7]}
            local f = redis.call('HMGET', KEYS[1], 'state', 'reason', 'updated', 'attempt', 'identity', 'label', 'claimed_by')
            local cur, known = f[1], f[5]
            local attempt = tonumber(f[4] or '1')
            local want = tonumber(ARGV[6])
            if cur and f[7] == ARGV[8] and attempt == want then
              return {'claimed', want, cur, f[2] or '', f[3] or '0', known or '', f[6] or ''}
            end
            if cur then
              if known and known ~= '' and known ~= ARGV[2] then
                return {'clash', attempt, cur, f[2] or '', f[3] or '0', known, f[6] or ''}
              end
              if ARGV[5] ~= '1' then
                return {'exists', attempt, cur, f[2] or '', f[3] or '0', known or '', f[6] or ''}
              end
              if want ~= attempt + 1 then return {'changed', attempt, cur, '', '0', '', ''} end
            elseif want ~= 1 then
              return {'changed', 0, 'queued', '', '0', '', ''}
            end
            redis.call('LPUSH', KEYS[8], ARGV[7])
            redis.call('HSET', KEYS[1], 'state', 'queued', 'reason', '', 'updated', ARGV[4], 'attempt', want,
                       'identity', ARGV[2], 'label', ARGV[3], 'claimed_by', ARGV[8])
            redis.call('SADD', sets['queued'], ARGV[1])
            if cur and sets[cur] and cur ~= 'queued' then redis.call('SREM', sets[cur], ARGV[1]) end
            redis.call('HDEL', KEYS[1], 'reduce_enqueued')
            return {'claimed', want, 'queued', '', ARGV[4], ARGV[2], ARGV[3]}
            """
        case .complete:
            return """
            -- The reducer's last step: mark the attempt done with its summary and free its
            -- payloads and results, in one step, so no crash can leave a finished study with
            -- its inputs gone but not done (its redelivery would fail it as missing-payload).
            -- Idempotent: a done, failed or stale study only has the keys deleted (again).
            -- KEYS[1] study hash   KEYS[2] done set   KEYS[3..8] state sets: queued ingesting
            -- classifying reducing done failed   KEYS[9] summary key   KEYS[10..] keys to delete
            -- ARGV[1] study id   ARGV[2] attempt   ARGV[3] now (s)   ARGV[4] summary   ARGV[5] summary TTL (ms)
            -- Returns {outcome, reason}; outcome: completed | done | stale | failed.
            local function free() for i = 10, #KEYS do redis.call('DEL', KEYS[i]) end end
            if tonumber(redis.call('HGET', KEYS[1], 'attempt') or '1') ~= tonumber(ARGV[2]) then free(); return {'stale', ''} end
            local cur = redis.call('HGET', KEYS[1], 'state')
            if cur == 'done' then free(); return {'done', ''} end
            if cur == 'failed' then free(); return {'failed', redis.call('HGET', KEYS[1], 'reason') or ''} end
            redis.call('SET', KEYS[9], ARGV[4], 'PX', ARGV[5])
            redis.call('HSET', KEYS[1], 'state', 'done', 'reason', '', 'updated', ARGV[3])
            redis.call('SADD', KEYS[2], ARGV[1])
            local sets = {queued=KEYS[3], ingesting=KEYS[4], classifying=KEYS[5], reducing=KEYS[6], done=KEYS[7], failed=KEYS[8]}
            if cur and sets[cur] and cur ~= 'done' then redis.call('SREM', sets[cur], ARGV[1]) end
            free()
            return {'completed', ''}
            """
        case .releaseLock:
            return """
            -- Release a lock only if the caller still holds it: compare and delete in one step,
            -- so a lock that expired and was taken by another holder is never deleted.
            -- KEYS[1] lock key   ARGV[1] holder
            -- Returns 1 if deleted, else 0.
            if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('DEL', KEYS[1]) end
            return 0
            """
        case .push:
            return """
            -- Push items to a queue (LPUSH: taken last). Descriptors are small; the memory they
            -- stand for was admitted before (coordinator) or is being moved (reaper).
            -- KEYS[1] queue   ARGV[1..] items   Returns the queue length.
            return redis.call('LPUSH', KEYS[1], unpack(ARGV))
            """
        case .putPayload:
            return """
            -- Store the pixels of a batch of an admitted study (admission by bytes happened
            -- before the study was split, so its batches are written even if Redis is full:
            -- refusing them would strand the study's results already stored).
            -- KEYS[1] payload key   ARGV[1] bytes   ARGV[2] TTL (ms)
            return redis.call('SET', KEYS[1], ARGV[1], 'PX', ARGV[2])
            """
        case .attempt:
            return """
            -- Count a delivery of a message; the count expires with the longest an item may live.
            -- KEYS[1] attempt count of the message   ARGV[1] delta   ARGV[2] TTL (ms)
            -- Returns the count after the change.
            local n = redis.call('INCRBY', KEYS[1], ARGV[1])
            redis.call('PEXPIRE', KEYS[1], ARGV[2])
            return n
            """
        case .beat:
            return """
            -- Refresh a process's heartbeat: a full Redis must not make live processes look dead.
            -- KEYS[1] heartbeat key   ARGV[1] value   ARGV[2] TTL (ms)
            return redis.call('SET', KEYS[1], ARGV[1], 'PX', ARGV[2])
            """
        case .lock:
            return """
            -- Take a lock if free (or already ours).
            -- KEYS[1] lock key   ARGV[1] holder   ARGV[2] TTL (ms)   Returns 1 if held, else 0.
            if redis.call('SET', KEYS[1], ARGV[1], 'NX', 'PX', ARGV[2]) then return 1 end
            if redis.call('GET', KEYS[1]) == ARGV[1] then return 1 end
            return 0
            """
        case .count:
            return """
            -- Bump cluster-wide counters.
            -- KEYS[i] counter   ARGV[i] increment   Returns the counters' new values.
            local out = {}
            for i = 1, #KEYS do out[i] = redis.call('INCRBY', KEYS[i], ARGV[i]) end
            return out
            """
        case .deadLetter:
            return """
            -- Dead-letter a held item and fail its study in one step, so no crash can leave a
            -- dead letter whose study still looks alive (or the reverse).
            -- KEYS[1] processing list   KEYS[2] dead-letter list   KEYS[3] deadlines (zset)
            -- KEYS[4] attempt count of the message   KEYS[5] study hash ('' key: no study)
            -- KEYS[6..11] state sets: queued ingesting classifying reducing done failed
            -- KEYS[12..] the attempt's context and results, freed if the study is failed now
            -- ARGV[1] the item   ARGV[2] dead-letter record   ARGV[3] list cap (newest kept)
            -- ARGV[4] study id   ARGV[5] reason for the study   ARGV[6] now (s)   ARGV[7] study attempt or ''
            -- Returns {removed 0|1, study failed 0|1}; nothing changes if the item was no longer held.
            \(Self.moveFunction)
            if redis.call('LPOS', KEYS[1], ARGV[1]) == false then
              redis.call('ZREM', KEYS[3], ARGV[1])
              return {0, 0}
            end
            redis.call('LPUSH', KEYS[2], ARGV[2])
            local failed = 0
            if ARGV[4] ~= '' then
              local sets = {queued=KEYS[6], ingesting=KEYS[7], classifying=KEYS[8], reducing=KEYS[9], done=KEYS[10], failed=KEYS[11]}
              failed = move(KEYS[5], sets, ARGV[4], 'failed', ARGV[5], ARGV[6], ARGV[7])[1]
            end
            redis.call('LREM', KEYS[1], 1, ARGV[1])
            if redis.call('LPOS', KEYS[1], ARGV[1]) == false then redis.call('ZREM', KEYS[3], ARGV[1]) end
            redis.call('LTRIM', KEYS[2], 0, tonumber(ARGV[3]) - 1)
            redis.call('DEL', KEYS[4])
            if failed == 1 then for i = 12, #KEYS do redis.call('DEL', KEYS[i]) end end
            return {1, failed}
            """
        }
    }
}
