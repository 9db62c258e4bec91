-- Webhooks: per-party destinations (with their own signing secrets), the
-- durable delivery queue and the gateway's own ES256 signing keys.
-- processor_tokens.webhook is dropped: URLs stored there
-- were never registered with Plaid, never delivered to and never checked for
-- safety; a fintech sets its URL again with /processor/token/webhook/update and
-- receives the destination's signing secret.
CREATE TABLE "webhook_deliveries" (
	"id" text PRIMARY KEY NOT NULL,
	"destination_id" text NOT NULL,
	"token_id" text NOT NULL,
	"party" text NOT NULL,
	"party_id" text NOT NULL,
	"webhook_type" text NOT NULL,
	"webhook_code" text NOT NULL,
	"body" text NOT NULL,
	"status" text DEFAULT 'pending' NOT NULL,
	"attempts" integer DEFAULT 0 NOT NULL,
	"next_attempt_at" timestamp with time zone DEFAULT now() NOT NULL,
	"lease_until" timestamp with time zone,
	"last_status_code" integer,
	"last_error" text,
	"replay_of" text,
	"delivered_at" timestamp with time zone,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE TABLE "webhook_destinations" (
	"id" text PRIMARY KEY NOT NULL,
	"token_id" text NOT NULL,
	"party" text NOT NULL,
	"party_id" text NOT NULL,
	"url" text NOT NULL,
	"secret_sealed" text NOT NULL,
	"secret_key_id" text NOT NULL,
	"previous_secret_sealed" text,
	"previous_secret_key_id" text,
	"previous_secret_expires_at" timestamp with time zone,
	"ack_pending" boolean DEFAULT true NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE TABLE "webhook_signing_keys" (
	"kid" text PRIMARY KEY NOT NULL,
	"private_sealed" text NOT NULL,
	"private_key_id" text NOT NULL,
	"public_jwk" jsonb NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"expired_at" timestamp with time zone
);
--> statement-breakpoint
ALTER TABLE "webhook_destinations" ADD CONSTRAINT "webhook_destinations_token_id_processor_tokens_id_fk" FOREIGN KEY ("token_id") REFERENCES "public"."processor_tokens"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
CREATE INDEX "webhook_deliveries_due_idx" ON "webhook_deliveries" USING btree ("next_attempt_at") WHERE status = 'pending';--> statement-breakpoint
CREATE INDEX "webhook_deliveries_party_idx" ON "webhook_deliveries" USING btree ("party","party_id","created_at");--> statement-breakpoint
CREATE UNIQUE INDEX "webhook_destinations_token_party_idx" ON "webhook_destinations" USING btree ("token_id","party");--> statement-breakpoint
CREATE INDEX "webhook_destinations_party_idx" ON "webhook_destinations" USING btree ("party","party_id");--> statement-breakpoint
ALTER TABLE "processor_tokens" DROP COLUMN "webhook";