CREATE TABLE "audit_events" (
	"seq" bigserial PRIMARY KEY NOT NULL,
	"occurred_at" timestamp(3) with time zone NOT NULL,
	"request_id" text NOT NULL,
	"actor_type" text NOT NULL,
	"actor_id" text,
	"partner_id" text,
	"fintech_id" text,
	"token_id" text,
	"action" text NOT NULL,
	"method" text NOT NULL,
	"endpoint" text NOT NULL,
	"product" text,
	"decision" text NOT NULL,
	"reason" text,
	"http_status" integer NOT NULL,
	"plaid_request_id" text,
	"plaid_status" integer,
	"latency_ms" integer NOT NULL,
	"client_ip" text,
	"user_agent" text,
	"details" jsonb DEFAULT '{}'::jsonb NOT NULL,
	"prev_hash" text NOT NULL,
	"hash" text NOT NULL
);
--> statement-breakpoint
CREATE TABLE "auditors" (
	"id" text PRIMARY KEY NOT NULL,
	"name" text NOT NULL,
	"partner_id" text,
	"key_hash" text NOT NULL,
	"disabled" boolean DEFAULT false NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE TABLE "fintechs" (
	"id" text PRIMARY KEY NOT NULL,
	"name" text NOT NULL,
	"client_id" text NOT NULL,
	"secret_hash" text NOT NULL,
	"disabled" boolean DEFAULT false NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE TABLE "partners" (
	"id" text PRIMARY KEY NOT NULL,
	"name" text NOT NULL,
	"processor" text NOT NULL,
	"client_id" text NOT NULL,
	"secret_hash" text NOT NULL,
	"plaid_client_id" text NOT NULL,
	"plaid_secret_sealed" text NOT NULL,
	"plaid_secret_key_id" text NOT NULL,
	"products" text[] NOT NULL,
	"rate_limits" jsonb DEFAULT '{}'::jsonb NOT NULL,
	"disabled" boolean DEFAULT false NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE TABLE "processor_tokens" (
	"id" text PRIMARY KEY NOT NULL,
	"token_hash" text NOT NULL,
	"fintech_id" text NOT NULL,
	"partner_id" text NOT NULL,
	"raw_sealed" text NOT NULL,
	"raw_key_id" text NOT NULL,
	"products" text[] DEFAULT '{}'::text[] NOT NULL,
	"webhook" text,
	"revoked_at" timestamp with time zone,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE TABLE "rate_limit_counters" (
	"key" text NOT NULL,
	"window_start" bigint NOT NULL,
	"count" integer NOT NULL,
	"expires_at" timestamp with time zone NOT NULL,
	CONSTRAINT "rate_limit_counters_key_window_start_pk" PRIMARY KEY("key","window_start")
);
--> statement-breakpoint
ALTER TABLE "auditors" ADD CONSTRAINT "auditors_partner_id_partners_id_fk" FOREIGN KEY ("partner_id") REFERENCES "public"."partners"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "processor_tokens" ADD CONSTRAINT "processor_tokens_fintech_id_fintechs_id_fk" FOREIGN KEY ("fintech_id") REFERENCES "public"."fintechs"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "processor_tokens" ADD CONSTRAINT "processor_tokens_partner_id_partners_id_fk" FOREIGN KEY ("partner_id") REFERENCES "public"."partners"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
CREATE INDEX "audit_events_partner_idx" ON "audit_events" USING btree ("partner_id","seq");--> statement-breakpoint
CREATE INDEX "audit_events_fintech_idx" ON "audit_events" USING btree ("fintech_id","seq");--> statement-breakpoint
CREATE INDEX "audit_events_token_idx" ON "audit_events" USING btree ("token_id","seq");--> statement-breakpoint
CREATE INDEX "audit_events_occurred_idx" ON "audit_events" USING btree ("occurred_at");--> statement-breakpoint
CREATE UNIQUE INDEX "auditors_key_hash_idx" ON "auditors" USING btree ("key_hash");--> statement-breakpoint
CREATE UNIQUE INDEX "fintechs_client_id_idx" ON "fintechs" USING btree ("client_id");--> statement-breakpoint
CREATE UNIQUE INDEX "partners_client_id_idx" ON "partners" USING btree ("client_id");--> statement-breakpoint
CREATE UNIQUE INDEX "processor_tokens_token_hash_idx" ON "processor_tokens" USING btree ("token_hash");--> statement-breakpoint
CREATE INDEX "processor_tokens_fintech_idx" ON "processor_tokens" USING btree ("fintech_id");--> statement-breakpoint
CREATE INDEX "processor_tokens_partner_idx" ON "processor_tokens" USING btree ("partner_id");--> statement-breakpoint
CREATE INDEX "rate_limit_counters_expires_idx" ON "rate_limit_counters" USING btree ("expires_at");