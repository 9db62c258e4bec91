ALTER TABLE "audit_events" ADD COLUMN "chain_version" smallint DEFAULT 1 NOT NULL;--> statement-breakpoint

-- gw_audit_append, now filling each row from its record's JSON by column name
-- (jsonb_populate_record against the table's own row type), so a column added
-- to audit_events needs no change here. Records that carry no chain_version
-- (written by a gateway from before versions) are version 1; their tail
-- encodes version 1, so their hash stays what that gateway computed.
CREATE OR REPLACE FUNCTION gw_audit_append(p_records jsonb, p_lock_timeout_ms int) RETURNS jsonb LANGUAGE plpgsql AS $$
DECLARE
  v_claimed text[];
  v_seq bigint;
  v_prev text;
  v_rows jsonb[] := '{}';
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
  FOR r IN SELECT e.value AS rec FROM jsonb_array_elements(p_records) WITH ORDINALITY e ORDER BY e.ordinality LOOP
    CONTINUE WHEN r.rec ? 'claim' AND NOT (r.rec->>'claim' = ANY (v_claimed));
    v_seq := v_seq + 1;
    v_rows := array_append(v_rows, r.rec || jsonb_build_object(
      'seq', v_seq,
      'prev_hash', v_prev,
      'hash', encode(sha256(convert_to(v_prev || '{"seq":' || v_seq::text || (r.rec->>'tail'), 'UTF8')), 'hex'),
      'chain_version', COALESCE(r.rec->'chain_version', '1'::jsonb),
      'details', COALESCE(NULLIF(r.rec->'details', 'null'::jsonb), '{}'::jsonb)));
    v_prev := v_rows[cardinality(v_rows)]->>'hash';
  END LOOP;
  INSERT INTO audit_events SELECT * FROM jsonb_populate_recordset(NULL::audit_events, to_jsonb(v_rows));
  RETURN jsonb_build_object('appended', cardinality(v_rows), 'last_seq', v_seq);
END
$$;
