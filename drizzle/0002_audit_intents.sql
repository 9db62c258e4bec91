CREATE TABLE "audit_intents" (
	"request_id" text PRIMARY KEY NOT NULL,
	"occurred_at" timestamp(3) with time zone NOT NULL,
	"partner_id" text NOT NULL,
	"fintech_id" text NOT NULL,
	"token_id" text NOT NULL,
	"method" text NOT NULL,
	"endpoint" text NOT NULL,
	"product" text,
	"client_ip" text,
	"user_agent" text,
	"details" jsonb DEFAULT '{}'::jsonb NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE INDEX "audit_intents_created_idx" ON "audit_intents" USING btree ("created_at");