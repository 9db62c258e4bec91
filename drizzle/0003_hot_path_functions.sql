-- The partner hot path as database functions, so that one partner call costs
-- two round trips: gw_admit() (authentication, token facts, permission
-- decision, both rate-limit buckets and the audit intent) and
-- gw_audit_append() (hash-chained append of the outcome). Locks are taken and
-- released inside one statement: nothing waits on a network round trip while
-- holding them. src/tenancy/admission.ts, src/ratelimit/postgres-limiter.ts and
-- src/audit/postgres-writer.ts call these; the module comments there explain
-- the rules.

-- The limit of one scope of one endpoint: the partner's override when it is a
-- usable rule, else the gateway's default (NULL: no limit in this scope). The
-- operator API validates overrides; this only keeps a malformed stored entry
-- from failing calls (the default keeps applying).
CREATE OR REPLACE FUNCTION gw_rate_rule(p_overrides jsonb, p_scope text, p_endpoint text, p_default jsonb)
RETURNS jsonb LANGUAGE plpgsql IMMUTABLE AS $$
DECLARE
  o jsonb;
BEGIN
  -- plpgsql, not SQL: a SQL function that is not inlined is planned again on
  -- every call, and this runs for every bucket of every partner call.
  IF jsonb_typeof(p_overrides->p_scope) <> 'object' THEN
    RETURN p_default;
  END IF;
  o := p_overrides->p_scope->p_endpoint;
  IF o IS NULL OR jsonb_typeof(o->'limit') IS DISTINCT FROM 'number'
     OR jsonb_typeof(o->'window_seconds') IS DISTINCT FROM 'number' THEN
    RETURN p_default;
  END IF;
  IF (o->>'limit')::numeric % 1 = 0 AND (o->>'limit')::numeric BETWEEN 0 AND 2147483647
     AND (o->>'window_seconds')::numeric % 1 = 0 AND (o->>'window_seconds')::numeric BETWEEN 1 AND 2147483 THEN
    RETURN jsonb_build_object('limit', (o->>'limit')::int, 'window_seconds', (o->>'window_seconds')::int);
  END IF;
  RETURN p_default;
END
$$;
--> statement-breakpoint

-- The counter rows one call counts in, at one instant: clock-aligned fixed
-- windows; the window length is part of the key, so a changed window starts a
-- fresh count. Returns {token?: bucket, partner?: bucket}.
CREATE OR REPLACE FUNCTION gw_rate_buckets(
  p_partner_id text, p_token_id text, p_endpoint text,
  p_overrides jsonb, p_defaults jsonb, p_now_ms bigint, p_skew_ms bigint
) RETURNS jsonb LANGUAGE plpgsql IMMUTABLE AS $$
DECLARE
  v_out jsonb := '{}'::jsonb;
  v_scope text;
  v_rule jsonb;
  v_window_ms bigint;
  v_start bigint;
BEGIN
  FOREACH v_scope IN ARRAY ARRAY['token', 'partner'] LOOP
    v_rule := gw_rate_rule(p_overrides, v_scope, p_endpoint, p_defaults->v_scope);
    CONTINUE WHEN v_rule IS NULL;
    v_window_ms := (v_rule->>'window_seconds')::bigint * 1000;
    v_start := (p_now_ms / v_window_ms) * v_window_ms;
    v_out := v_out || jsonb_build_object(v_scope, jsonb_build_object(
      'key', left(v_scope, 1) || '|' || CASE v_scope WHEN 'token' THEN p_token_id ELSE p_partner_id END
             || '|' || p_endpoint || '|' || (v_rule->>'window_seconds'),
      'window_start', v_start,
      'window_seconds', (v_rule->>'window_seconds')::int,
      'limit', (v_rule->>'limit')::int,
      -- Rows outlive their window by the skew allowance: an instance with a
      -- slightly late clock may still count in them.
      'expires_at', to_timestamp((v_start + v_window_ms + p_skew_ms) / 1000.0)));
  END LOOP;
  RETURN v_out;
END
$$;
--> statement-breakpoint

-- Creates (count 0) or locks every counter row a set of calls will count in,
-- token rows before partner rows, each kind in key order. Every admission,
-- single or batched, on any instance, takes its counter locks in this one order
-- first, so concurrent admissions may wait on each other but never deadlock.
-- (ON CONFLICT DO UPDATE locks the existing row even when its WHERE is false.)
CREATE OR REPLACE FUNCTION gw_rate_lock(p_buckets jsonb) RETURNS void LANGUAGE plpgsql AS $$
BEGIN
  INSERT INTO rate_limit_counters AS c (key, window_start, count, expires_at)
  SELECT k.key, k.window_start, 0, k.expires_at
  FROM (
    SELECT DISTINCT ON (b->>'key', (b->>'window_start')::bigint)
      b->>'key' AS key, (b->>'window_start')::bigint AS window_start, (b->>'expires_at')::timestamptz AS expires_at
    FROM jsonb_array_elements(p_buckets) AS b
    -- A limit of 0 refuses every call: its bucket needs no row.
    WHERE jsonb_typeof(b) = 'object' AND (b->>'limit')::int > 0
    ORDER BY b->>'key', (b->>'window_start')::bigint
  ) k
  ORDER BY left(k.key, 1) <> 't', k.key COLLATE "C", k.window_start
  ON CONFLICT (key, window_start) DO UPDATE SET count = c.count WHERE false;
END
$$;
--> statement-breakpoint

-- Counts one call in its buckets, whose rows the caller holds (gw_rate_lock).
-- The token bucket is tried first; the partner bucket only when the token
-- admitted, so a call refused per token never spends the partner's quota. When
-- the token admitted but the partner refused, the token's count is given back
-- through its refund row (`r|...`): a row is updated once per statement in the
-- original design, and the refund row keeps the two counts separate. A token
-- bucket's use is count - refunds. Exact: every row involved is locked by this
-- transaction, so no other admission can interleave.
CREATE OR REPLACE FUNCTION gw_rate_take(p_buckets jsonb) RETURNS jsonb LANGUAGE plpgsql AS $$
DECLARE
  v_tok jsonb := p_buckets->'token';
  v_ptn jsonb := p_buckets->'partner';
  v_ref_key text;
  v_tok_count int;
  v_ptn_count int;
  v_refunds int;
  v_ptn_seen int;
BEGIN
  IF v_tok IS NOT NULL THEN
    v_ref_key := 'r' || substr(v_tok->>'key', 2);
    UPDATE rate_limit_counters c SET count = c.count + 1
    WHERE c.key = v_tok->>'key' AND c.window_start = (v_tok->>'window_start')::bigint
      AND c.count - COALESCE((SELECT r.count FROM rate_limit_counters r
                              WHERE r.key = v_ref_key AND r.window_start = (v_tok->>'window_start')::bigint), 0)
          < (v_tok->>'limit')::int
    RETURNING c.count INTO v_tok_count;
  END IF;
  IF v_ptn IS NOT NULL AND (v_tok IS NULL OR v_tok_count IS NOT NULL) THEN
    UPDATE rate_limit_counters c SET count = c.count + 1
    WHERE c.key = v_ptn->>'key' AND c.window_start = (v_ptn->>'window_start')::bigint
      AND c.count < (v_ptn->>'limit')::int
    RETURNING c.count INTO v_ptn_count;
    IF v_ptn_count IS NULL AND v_tok_count IS NOT NULL THEN
      INSERT INTO rate_limit_counters AS c (key, window_start, count, expires_at)
      VALUES (v_ref_key, (v_tok->>'window_start')::bigint, 1, (v_tok->>'expires_at')::timestamptz)
      ON CONFLICT (key, window_start) DO UPDATE SET count = c.count + 1
      RETURNING c.count INTO v_refunds;
    END IF;
  END IF;
  IF v_tok IS NOT NULL AND v_refunds IS NULL THEN
    SELECT r.count INTO v_refunds FROM rate_limit_counters r
    WHERE r.key = v_ref_key AND r.window_start = (v_tok->>'window_start')::bigint;
  END IF;
  IF v_ptn IS NOT NULL AND v_ptn_count IS NULL THEN
    SELECT s.count INTO v_ptn_seen FROM rate_limit_counters s
    WHERE s.key = v_ptn->>'key' AND s.window_start = (v_ptn->>'window_start')::bigint;
  END IF;
  RETURN jsonb_strip_nulls(jsonb_build_object(
    'token', CASE WHEN v_tok IS NOT NULL THEN v_tok || jsonb_build_object('count', v_tok_count, 'refunds', COALESCE(v_refunds, 0)) END,
    'partner', CASE WHEN v_ptn IS NOT NULL THEN v_ptn || jsonb_build_object('count', v_ptn_count, 'seen', v_ptn_seen) END));
END
$$;
--> statement-breakpoint

-- Deletes up to p_batch expired counters, skipping rows another transaction holds.
CREATE OR REPLACE FUNCTION gw_rate_cleanup(p_now_ms bigint, p_batch int) RETURNS int LANGUAGE plpgsql AS $$
DECLARE
  v_deleted int;
BEGIN
  WITH gone AS (
    DELETE FROM rate_limit_counters d
    WHERE (d.key, d.window_start) IN (
      SELECT g.key, g.window_start FROM rate_limit_counters g
      WHERE g.expires_at < to_timestamp(p_now_ms / 1000.0)
      ORDER BY g.expires_at
      LIMIT p_batch
      FOR UPDATE SKIP LOCKED)
    RETURNING 1)
  SELECT count(*)::int INTO v_deleted FROM gone;
  RETURN v_deleted;
END
$$;
--> statement-breakpoint

-- The rate limiter alone (one call, no authentication): what
-- createPostgresRateLimiter().take() runs. The admission uses the same pieces.
CREATE OR REPLACE FUNCTION gw_rate_limit_take(
  p_partner_id text, p_token_id text, p_endpoint text, p_overrides jsonb, p_defaults jsonb,
  p_now_ms bigint, p_skew_ms bigint, p_cleanup_batch int, p_async_commit boolean
) RETURNS jsonb LANGUAGE plpgsql AS $$
DECLARE
  v_buckets jsonb := gw_rate_buckets(p_partner_id, p_token_id, p_endpoint, p_overrides, p_defaults, p_now_ms, p_skew_ms);
BEGIN
  IF p_async_commit THEN
    PERFORM set_config('synchronous_commit', 'off', true);
  END IF;
  PERFORM gw_rate_lock(jsonb_build_array(v_buckets->'token', v_buckets->'partner'));
  IF p_cleanup_batch > 0 THEN
    PERFORM gw_rate_cleanup(p_now_ms, p_cleanup_batch);
  END IF;
  RETURN gw_rate_take(v_buckets) || jsonb_build_object('synchronous_commit', current_setting('synchronous_commit'));
END
$$;
--> statement-breakpoint

-- Authenticates a partner call and decides it, reading only. Outcomes:
-- unauthenticated (unknown_client_id, wrong_secret, partner_disabled), denied
-- (token_malformed, token_unknown, token_other_partner, token_revoked,
-- product_not_in_token_permissions, product_not_in_partner_cap) or allowed with
-- the facts the call needs. The secret is compared as its SHA-256 (computed by
-- the gateway): equality of two digests of 256-bit secrets leaks nothing usable
-- through timing. Token ids are given only when the token is this partner's.
CREATE OR REPLACE FUNCTION gw_decide(p_call jsonb) RETURNS jsonb LANGUAGE plpgsql STABLE AS $$
DECLARE
  p partners%ROWTYPE;
  t processor_tokens%ROWTYPE;
  v_accepted text[] := ARRAY(SELECT jsonb_array_elements_text(p_call->'products'));
  v_ids jsonb;
BEGIN
  SELECT * INTO p FROM partners WHERE client_id = p_call->>'client_id';
  IF NOT FOUND THEN
    RETURN jsonb_build_object('outcome', 'unauthenticated', 'reason', 'unknown_client_id');
  ELSIF p.secret_hash IS DISTINCT FROM p_call->>'secret_hash' THEN
    RETURN jsonb_build_object('outcome', 'unauthenticated', 'reason', 'wrong_secret', 'partner_id', p.id);
  ELSIF p.disabled THEN
    RETURN jsonb_build_object('outcome', 'unauthenticated', 'reason', 'partner_disabled', 'partner_id', p.id);
  END IF;
  IF p_call->>'token_hash' IS NULL THEN
    RETURN jsonb_build_object('outcome', 'denied', 'reason', 'token_malformed', 'partner_id', p.id);
  END IF;
  SELECT * INTO t FROM processor_tokens WHERE token_hash = p_call->>'token_hash';
  IF NOT FOUND THEN
    RETURN jsonb_build_object('outcome', 'denied', 'reason', 'token_unknown', 'partner_id', p.id);
  ELSIF t.partner_id <> p.id THEN
    RETURN jsonb_build_object('outcome', 'denied', 'reason', 'token_other_partner', 'partner_id', p.id);
  END IF;
  v_ids := jsonb_build_object('partner_id', p.id, 'token_id', t.id, 'fintech_id', t.fintech_id);
  IF t.revoked_at IS NOT NULL THEN
    RETURN v_ids || jsonb_build_object('outcome', 'denied', 'reason', 'token_revoked');
  ELSIF cardinality(t.products) > 0 AND NOT (t.products && v_accepted) THEN
    -- A token's permission set: empty means every product (Plaid's semantics).
    RETURN v_ids || jsonb_build_object('outcome', 'denied', 'reason', 'product_not_in_token_permissions');
  ELSIF NOT (p.products && v_accepted) THEN
    -- The partner cap is an explicit list: empty means nothing.
    RETURN v_ids || jsonb_build_object('outcome', 'denied', 'reason', 'product_not_in_partner_cap');
  END IF;
  RETURN v_ids || jsonb_build_object(
    'outcome', 'allowed',
    'rate_limits', p.rate_limits,
    'raw_sealed', t.raw_sealed, 'raw_key_id', t.raw_key_id,
    'plaid_client_id', p.plaid_client_id,
    'plaid_secret_sealed', p.plaid_secret_sealed, 'plaid_secret_key_id', p.plaid_secret_key_id);
END
$$;
--> statement-breakpoint

-- The admission of a batch of partner calls (one call on Workers, the calls
-- that arrived together on Node), in one statement:
--   1. gw_decide() each call (reads only);
--   2. lock the counter rows of every allowed call, in the one global order;
--   3. count each allowed call in its buckets (gw_rate_take), in arrival order;
--   4. for each call still allowed, write its audit intent: the committed
--      record, before anything goes to Plaid, that the call was sent;
--   5. when p_cleanup_batch > 0, delete that many expired counters.
-- A lock wait longer than p_lock_timeout_ms fails the statement (55P03).
-- Returns one result per call, in order.
CREATE OR REPLACE FUNCTION gw_admit(p_calls jsonb, p_lock_timeout_ms int, p_cleanup_batch int) RETURNS jsonb LANGUAGE plpgsql AS $$
DECLARE
  v_n int := jsonb_array_length(p_calls);
  v_verdicts jsonb[] := '{}';
  v_buckets jsonb[] := '{}';
  v_all jsonb := '[]'::jsonb;
  v_results jsonb := '[]'::jsonb;
  v_call jsonb;
  v_verdict jsonb;
  v_b jsonb;
  v_rate jsonb;
  i int;
BEGIN
  PERFORM set_config('lock_timeout', p_lock_timeout_ms::text || 'ms', true);
  FOR i IN 0 .. v_n - 1 LOOP
    v_call := p_calls->i;
    v_verdict := gw_decide(v_call);
    v_b := NULL;
    IF v_verdict->>'outcome' = 'allowed' THEN
      v_b := gw_rate_buckets(v_verdict->>'partner_id', v_verdict->>'token_id', v_call->>'endpoint',
                             v_verdict->'rate_limits', v_call->'rate_defaults',
                             (v_call->>'now_ms')::bigint, (v_call->>'skew_ms')::bigint);
      v_all := v_all || jsonb_build_array(v_b->'token', v_b->'partner');
    END IF;
    v_verdicts := array_append(v_verdicts, v_verdict);
    v_buckets := array_append(v_buckets, v_b);
  END LOOP;

  IF jsonb_array_length(v_all) > 0 THEN
    PERFORM gw_rate_lock(v_all);
  END IF;

  FOR i IN 0 .. v_n - 1 LOOP
    v_call := p_calls->i;
    v_verdict := v_verdicts[i + 1] - 'rate_limits';
    IF v_verdict->>'outcome' = 'allowed' THEN
      v_rate := gw_rate_take(v_buckets[i + 1]);
      IF (v_rate->'token' IS NOT NULL AND v_rate->'token'->'count' IS NULL)
         OR (v_rate->'partner' IS NOT NULL AND v_rate->'partner'->'count' IS NULL) THEN
        v_verdict := (v_verdict - 'raw_sealed' - 'raw_key_id' - 'plaid_client_id' - 'plaid_secret_sealed' - 'plaid_secret_key_id')
                     || jsonb_build_object('outcome', 'rate_limited');
      ELSE
        INSERT INTO audit_intents (request_id, occurred_at, partner_id, fintech_id, token_id, method, endpoint,
                                   product, client_ip, user_agent, details)
        VALUES (v_call->'intent'->>'request_id', (v_call->'intent'->>'occurred_at')::timestamptz,
                v_verdict->>'partner_id', v_verdict->>'fintech_id', v_verdict->>'token_id',
                v_call->'intent'->>'method', v_call->>'endpoint', v_call->'intent'->>'product',
                v_call->'intent'->>'client_ip', v_call->'intent'->>'user_agent',
                COALESCE(v_call->'intent'->'details', '{}'::jsonb))
        ON CONFLICT (request_id) DO NOTHING;
      END IF;
      v_verdict := v_verdict || jsonb_build_object('rate', v_rate);
    END IF;
    v_results := v_results || jsonb_build_array(v_verdict);
  END LOOP;
  IF p_cleanup_batch > 0 AND v_n > 0 THEN
    PERFORM gw_rate_cleanup((p_calls->0->>'now_ms')::bigint, p_cleanup_batch);
  END IF;
  RETURN v_results;
END
$$;
--> statement-breakpoint

-- Appends records to the hash chain in one statement: takes the chain lock
-- (released at this statement's commit), reads the head, and for each record
-- numbers it head+1, hashes it and inserts it. The hash is
--   sha256(prev_hash || '{"seq":' || seq || tail)
-- where `tail` is the rest of the record's canonical encoding, written by the
-- gateway (src/audit/canonical.ts owns the encoding; verification recomputes
-- it from the stored columns). A record may also
--   release: delete the audit intent of its request (the call's outcome), or
--   claim:   be appended only if it deletes that intent (folding an intent
--            whose outcome never came; another instance may have folded it).
CREATE OR REPLACE FUNCTION gw_audit_append(p_records jsonb, p_lock_timeout_ms int) RETURNS jsonb LANGUAGE plpgsql AS $$
DECLARE
  v_claimed text[];
  v_seq bigint;
  v_prev text;
  v_ord int[] := '{}';
  v_seqs bigint[] := '{}';
  v_prevs text[] := '{}';
  v_hashes text[] := '{}';
  r record;
BEGIN
  PERFORM set_config('lock_timeout', p_lock_timeout_ms::text || 'ms', true);
  PERFORM pg_advisory_xact_lock(727274007);
  -- Intents: the outcomes release theirs; folded records keep only the intents they claim.
  DELETE FROM audit_intents WHERE request_id IN (SELECT e->>'release' FROM jsonb_array_elements(p_records) e WHERE e ? 'release');
  WITH gone AS (
    DELETE FROM audit_intents WHERE request_id IN (SELECT e->>'claim' FROM jsonb_array_elements(p_records) e WHERE e ? 'claim')
    RETURNING request_id)
  SELECT COALESCE(array_agg(request_id), '{}') INTO v_claimed FROM gone;

  SELECT e.seq, e.hash INTO v_seq, v_prev FROM audit_events e ORDER BY e.seq DESC LIMIT 1;
  v_seq := COALESCE(v_seq, 0);
  v_prev := COALESCE(v_prev, repeat('0', 64));
  -- The chain is sequential: number and hash in order, then insert the batch in one statement.
  FOR r IN SELECT e.value AS rec, e.ordinality::int AS ord FROM jsonb_array_elements(p_records) WITH ORDINALITY e LOOP
    CONTINUE WHEN r.rec ? 'claim' AND NOT (r.rec->>'claim' = ANY (v_claimed));
    v_seq := v_seq + 1;
    v_ord := array_append(v_ord, r.ord);
    v_seqs := array_append(v_seqs, v_seq);
    v_prevs := array_append(v_prevs, v_prev);
    v_prev := encode(sha256(convert_to(v_prev || '{"seq":' || v_seq::text || (r.rec->>'tail'), 'UTF8')), 'hex');
    v_hashes := array_append(v_hashes, v_prev);
  END LOOP;
  INSERT INTO audit_events (seq, occurred_at, request_id, actor_type, actor_id, partner_id, fintech_id, token_id,
                            action, method, endpoint, product, decision, reason, http_status, plaid_request_id,
                            plaid_status, latency_ms, client_ip, user_agent, details, prev_hash, hash)
  SELECT c.seq, x.occurred_at, x.request_id, x.actor_type, x.actor_id, x.partner_id, x.fintech_id, x.token_id,
         x.action, x.method, x.endpoint, x.product, x.decision, x.reason, x.http_status, x.plaid_request_id,
         x.plaid_status, x.latency_ms, x.client_ip, x.user_agent, COALESCE(x.details, '{}'::jsonb), c.prev_hash, c.hash
  FROM unnest(v_ord, v_seqs, v_prevs, v_hashes) AS c(ord, seq, prev_hash, hash)
  JOIN ROWS FROM (jsonb_to_recordset(p_records) AS (
         occurred_at timestamptz, request_id text, actor_type text, actor_id text, partner_id text, fintech_id text,
         token_id text, action text, method text, endpoint text, product text, decision text, reason text,
         http_status int, plaid_request_id text, plaid_status int, latency_ms int, client_ip text, user_agent text,
         details jsonb)) WITH ORDINALITY AS x(
         occurred_at, request_id, actor_type, actor_id, partner_id, fintech_id, token_id, action, method, endpoint,
         product, decision, reason, http_status, plaid_request_id, plaid_status, latency_ms, client_ip, user_agent,
         details, ord)
    ON x.ord = c.ord
  ORDER BY c.seq;
  RETURN jsonb_build_object('appended', cardinality(v_seqs), 'last_seq', v_seq);
END
$$;
--> statement-breakpoint

-- Readiness of the audit path: whether the chain lock can be had within
-- p_lock_timeout_ms (it is released at once), and how many intents wait for
-- their outcome.
CREATE OR REPLACE FUNCTION gw_audit_probe(p_lock_timeout_ms int) RETURNS jsonb LANGUAGE plpgsql AS $$
BEGIN
  PERFORM set_config('lock_timeout', p_lock_timeout_ms::text || 'ms', true);
  PERFORM pg_advisory_xact_lock(727274007);
  RETURN jsonb_build_object('chain_lock', 'ok', 'pending_intents', (SELECT count(*) FROM audit_intents));
EXCEPTION WHEN lock_not_available THEN
  RETURN jsonb_build_object('chain_lock', 'blocked', 'pending_intents', (SELECT count(*) FROM audit_intents));
END
$$;
