-- Points up to which the audit chain was verified, so a routine verification
-- walks only what was appended since (see src/audit/verify.ts).
CREATE TABLE "audit_checkpoints" (
	"seq" bigint PRIMARY KEY NOT NULL,
	"hash" text NOT NULL,
	"verified_at" timestamp with time zone DEFAULT now() NOT NULL
);
