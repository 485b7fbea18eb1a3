-- seatd's booking semantics as one Redis script: seat-load's `redis://` comparison target.
--
-- Called as `EVALSHA <sha> 0 <token>...` with the tokens of a seatd request line, and answering with seatd's
-- reply line as a status reply (`+OK ...`, `+ERR TAKEN A1`), so the load generator sends the same requests to
-- both. The subset seat-load uses:
--   PING
--   CREATE HALL <hall> <row>=<n>...                  (plain rows of n seats, no aisles)
--   CREATE SESSION <session> <hall> [ttl=<s>]
--   DROP SESSION <session>
--   HOLD <session> <customer> <seat>... [ttl=<s>]    all or nothing; ERR TAKEN names every taken seat
--   HOLD <session> <customer> BEST <n> [ttl=<s>]     seatd's rule: the free block of n adjacent seats with the
--                                                    smallest distance from the centre; ties to the lower row,
--                                                    then the lower first seat
--   CONFIRM <session> <hold>    RELEASE <session> <hold>    CANCEL <session> <hold>
--   AVAIL <session>             MAP <session>
-- Not here: ANY, EXTEND, partial CANCEL, idempotency keys, customer limits, LIST, events.
--
-- Keys: hall:<hall> {rows, capacity}; session:<s> {hall, ttl, next}; seats:<s> seat -> 'h<hold id>' (held) or
-- 's<hold id>' (sold), only for seats that are not free; expiries:<s> a sorted set of held hold ids by expiry
-- (unix ms); hold:<s>:<id> {state held|sold, customer, seats, expires}. Every call on a session first lapses the
-- holds whose expiry has come (a range of the sorted set, usually empty), so the seats hash holds live holds
-- only: free seats are capacity - HLEN, BEST and SOLD_OUT need no per-hold look-ups, and no sweeper runs. A
-- lapsed hold is forgotten: CONFIRM then answers ERR NO_SUCH_HOLD (seatd, which remembers it, ERR EXPIRED).
-- Scripts run one at a time, so each request is atomic; with `appendfsync always` its effects are on disk before
-- the reply leaves.

local function ok(text) return { ok = text } end
local function fail(code, message) return { ok = 'ERR ' .. code .. ' ' .. message } end

local function now_ms()
    local t = redis.call('TIME')
    return tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
end

-- The session's hall rows ({label, n} in listed order), default ttl and hall capacity, or nil.
local function load_session(session)
    local fields = redis.call('HMGET', 'session:' .. session, 'hall', 'ttl')
    if not fields[1] then return nil end
    local hall = redis.call('HMGET', 'hall:' .. fields[1], 'rows', 'capacity')
    local rows = {}
    for label, n in string.gmatch(hall[1], '(%u+)=(%d+)') do rows[#rows + 1] = { label = label, n = tonumber(n) } end
    return rows, tonumber(fields[2]), tonumber(hall[2])
end

-- Lapses every hold of `session` whose expiry has come: its seats are free again and the hold is forgotten.
local function lapse(session, now)
    local key = 'expiries:' .. session
    local due = redis.call('ZRANGEBYSCORE', key, '-inf', now)
    if #due == 0 then return end
    for _, id in ipairs(due) do
        local hold = 'hold:' .. session .. ':' .. id
        local seats = redis.call('HGET', hold, 'seats')
        if seats then
            local list = {}
            for seat in string.gmatch(seats, '%S+') do list[#list + 1] = seat end
            redis.call('HDEL', 'seats:' .. session, unpack(list))
            redis.call('DEL', hold)
        end
    end
    redis.call('ZREMRANGEBYSCORE', key, '-inf', now)
end

-- seat -> 'held' | 'sold' for every seat that is not free.
local function seat_states(session)
    local flat = redis.call('HGETALL', 'seats:' .. session)
    local states = {}
    for i = 1, #flat, 2 do
        states[flat[i]] = string.sub(flat[i + 1], 1, 1) == 's' and 'sold' or 'held'
    end
    return states
end

-- The seat's place in hall order (row index, then number), or nil when the hall has no such seat.
local function seat_rank(rows, seat)
    local label, number = string.match(seat, '^(%u+)(%d+)$')
    if not label then return nil end
    number = tonumber(number)
    for index, row in ipairs(rows) do
        if row.label == label then
            if number >= 1 and number <= row.n then return index * 100000 + number end
            return nil
        end
    end
    return nil
end

local function create_hold(session, customer, seats, ttl, now)
    local id = string.format('%016x', redis.call('HINCRBY', 'session:' .. session, 'next', 1))
    local expires = now + ttl * 1000
    local list = table.concat(seats, ' ')
    redis.call('HSET', 'hold:' .. session .. ':' .. id, 'state', 'held', 'customer', customer, 'seats', list,
               'expires', expires)
    redis.call('ZADD', 'expiries:' .. session, expires, id)
    local pairs_ = {}
    for _, seat in ipairs(seats) do
        pairs_[#pairs_ + 1] = seat
        pairs_[#pairs_ + 1] = 'h' .. id
    end
    redis.call('HSET', 'seats:' .. session, unpack(pairs_))
    return ok('OK ' .. id .. ' ' .. expires .. ' ' .. list)
end

local function best_block(rows, states, n)
    local count = #rows
    local best_row, best_first, best_distance
    for index, row in ipairs(rows) do
        local run = 0
        for number = 1, row.n do
            if states[row.label .. number] then
                run = 0
            else
                run = run + 1
                if run >= n then
                    -- Four times seatd's distance: (2 dr)^2 + (2 dc)^2, in integers.
                    local first = number - n + 1
                    local dr = 2 * (index - 1) - (count - 1)
                    local dc = (first + number) - (1 + row.n)
                    local distance = dr * dr + dc * dc
                    if not best_distance or distance < best_distance then
                        best_row, best_first, best_distance = row, first, distance
                    end
                end
            end
        end
    end
    if not best_row then return nil end
    local seats = {}
    for number = best_first, best_first + n - 1 do seats[#seats + 1] = best_row.label .. number end
    return seats
end

local function hold(args)
    local session, customer = args[2], args[3]
    if not session or not customer then return fail('BAD_REQUEST', 'HOLD <session> <customer> <seats>') end
    local rows, ttl, capacity = load_session(session)
    if not rows then return fail('NO_SUCH_SESSION', session) end
    local now = now_ms()
    lapse(session, now)
    local seats, best = {}, nil
    local i = 4
    while i <= #args do
        local token = args[i]
        local lower = string.lower(token)
        if lower == 'best' then
            best = tonumber(args[i + 1])
            if not best or best < 1 then return fail('BAD_REQUEST', 'BEST <n>') end
            i = i + 1
        elseif string.sub(lower, 1, 4) == 'ttl=' then
            ttl = tonumber(string.sub(token, 5))
            if not ttl or ttl < 1 then return fail('BAD_REQUEST', 'ttl=<seconds>') end
        elseif string.find(token, '=', 1, true) or lower == 'any' then
            return fail('BAD_REQUEST', 'not supported by this script: ' .. token)
        else
            seats[#seats + 1] = token
        end
        i = i + 1
    end
    if best then
        if #seats > 0 then return fail('BAD_REQUEST', 'BEST takes no seats') end
        -- The seats hash holds live holds only (lapse ran first): its length is every seat that is not free.
        if capacity - redis.call('HLEN', 'seats:' .. session) < best then
            return fail('SOLD_OUT', 'fewer than ' .. best .. ' free seats')
        end
        local chosen = best_block(rows, seat_states(session), best)
        if not chosen then return fail('NO_ADJACENT', 'no ' .. best .. ' adjacent free seats') end
        return create_hold(session, customer, chosen, ttl, now)
    end
    if #seats == 0 then return fail('BAD_REQUEST', 'HOLD needs seats, or BEST n') end
    -- Like seatd, seats are taken and named in hall order.
    local ranks = {}
    for _, seat in ipairs(seats) do
        local rank = seat_rank(rows, seat)
        if not rank then return fail('NO_SUCH_SEAT', seat) end
        if ranks[seat] then return fail('BAD_REQUEST', 'seat ' .. seat .. ' is listed twice') end
        ranks[seat] = rank
    end
    table.sort(seats, function(a, b) return ranks[a] < ranks[b] end)
    local held = redis.call('HMGET', 'seats:' .. session, unpack(seats))
    local taken = {}
    for index, value in ipairs(held) do
        if value then taken[#taken + 1] = seats[index] end
    end
    if #taken > 0 then return fail('TAKEN', table.concat(taken, ' ')) end
    return create_hold(session, customer, seats, ttl, now)
end

-- CONFIRM, RELEASE and CANCEL of a whole hold.
local function settle(verb, session, id)
    if not session or not id then return fail('BAD_REQUEST', verb .. ' <session> <hold>') end
    if redis.call('EXISTS', 'session:' .. session) == 0 then return fail('NO_SUCH_SESSION', session) end
    lapse(session, now_ms())
    local key = 'hold:' .. session .. ':' .. id
    local fields = redis.call('HMGET', key, 'state', 'seats')
    local state, seats = fields[1], fields[2]
    if not state then return fail('NO_SUCH_HOLD', id) end
    local list = {}
    for seat in string.gmatch(seats, '%S+') do list[#list + 1] = seat end
    if verb == 'CONFIRM' then
        if state == 'held' then
            redis.call('HSET', key, 'state', 'sold')
            redis.call('ZREM', 'expiries:' .. session, id)
            local pairs_ = {}
            for _, seat in ipairs(list) do
                pairs_[#pairs_ + 1] = seat
                pairs_[#pairs_ + 1] = 's' .. id
            end
            redis.call('HSET', 'seats:' .. session, unpack(pairs_))
        end
        return ok('OK ' .. id .. ' ' .. seats)
    end
    local wanted = verb == 'RELEASE' and 'held' or 'sold'
    if state ~= wanted then return fail('NOT_HELD', id .. ' is ' .. state) end
    redis.call('HDEL', 'seats:' .. session, unpack(list))
    redis.call('ZREM', 'expiries:' .. session, id)
    redis.call('DEL', key)
    if verb == 'RELEASE' then return ok('OK ' .. id) end
    return ok('OK ' .. id .. ' ' .. seats)
end

local function avail_or_map(verb, session)
    local rows, _, capacity = load_session(session or '')
    if not rows then return fail('NO_SUCH_SESSION', tostring(session)) end
    lapse(session, now_ms())
    local states = seat_states(session)
    if verb == 'AVAIL' then
        local held, sold = 0, 0
        for _, state in pairs(states) do
            if state == 'held' then held = held + 1 else sold = sold + 1 end
        end
        return ok('OK free=' .. (capacity - held - sold) .. ' held=' .. held .. ' sold=' .. sold)
    end
    local parts = {}
    for _, row in ipairs(rows) do
        local chars = {}
        for number = 1, row.n do
            local state = states[row.label .. number]
            chars[number] = state == 'held' and 'h' or (state == 'sold' and 'x' or '.')
        end
        parts[#parts + 1] = row.label .. ':' .. table.concat(chars)
    end
    return ok('OK ' .. table.concat(parts, ' '))
end

local function create(args)
    local what, id = string.upper(args[2] or ''), args[3]
    if not id then return fail('BAD_REQUEST', 'CREATE HALL|SESSION <id> ...') end
    if what == 'HALL' then
        if redis.call('EXISTS', 'hall:' .. id) == 1 then return fail('EXISTS', id) end
        local specs, capacity = {}, 0
        for i = 4, #args do
            local label, n = string.match(args[i], '^(%u+)=(%d+)$')
            if not label then return fail('BAD_REQUEST', 'rows are <label>=<seats> here: ' .. args[i]) end
            specs[#specs + 1] = args[i]
            capacity = capacity + tonumber(n)
        end
        if #specs == 0 then return fail('BAD_REQUEST', 'a hall needs rows') end
        redis.call('HSET', 'hall:' .. id, 'rows', table.concat(specs, ' '), 'capacity', capacity)
        return ok('OK ' .. id .. ' ' .. capacity)
    elseif what == 'SESSION' then
        local hall = args[4]
        if not hall then return fail('BAD_REQUEST', 'CREATE SESSION <session> <hall>') end
        if redis.call('EXISTS', 'session:' .. id) == 1 then return fail('EXISTS', id) end
        local capacity = redis.call('HGET', 'hall:' .. hall, 'capacity')
        if not capacity then return fail('NO_SUCH_HALL', hall) end
        local ttl = 900
        for i = 5, #args do
            local value = string.match(string.lower(args[i]), '^ttl=(%d+)$')
            if not value then return fail('BAD_REQUEST', 'not supported by this script: ' .. args[i]) end
            ttl = tonumber(value)
        end
        redis.call('HSET', 'session:' .. id, 'hall', hall, 'ttl', ttl, 'next', 0)
        return ok('OK ' .. id .. ' ' .. capacity)
    end
    return fail('BAD_REQUEST', 'CREATE HALL or CREATE SESSION')
end

local function drop(args)
    local session = args[3]
    if string.upper(args[2] or '') ~= 'SESSION' or not session then return fail('BAD_REQUEST', 'DROP SESSION <session>') end
    if redis.call('EXISTS', 'session:' .. session) == 0 then return fail('NO_SUCH_SESSION', session) end
    local holds = redis.call('KEYS', 'hold:' .. session .. ':*')
    for _, key in ipairs(holds) do redis.call('DEL', key) end
    redis.call('DEL', 'session:' .. session, 'seats:' .. session, 'expiries:' .. session)
    return ok('OK ' .. session)
end

local verb = string.upper(ARGV[1] or '')
if verb == 'PING' then return ok('OK PONG') end
if verb == 'HOLD' then return hold(ARGV) end
if verb == 'CONFIRM' or verb == 'RELEASE' or verb == 'CANCEL' then
    if #ARGV > 3 then return fail('BAD_REQUEST', 'not supported by this script: ' .. verb .. ' with seats or options') end
    return settle(verb, ARGV[2], ARGV[3])
end
if verb == 'AVAIL' or verb == 'MAP' then return avail_or_map(verb, ARGV[2]) end
if verb == 'CREATE' then return create(ARGV) end
if verb == 'DROP' then return drop(ARGV) end
return fail('UNKNOWN_COMMAND', verb)
