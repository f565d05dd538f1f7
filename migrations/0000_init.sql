CREATE TABLE "runs" (
	"seq" bigint GENERATED ALWAYS AS IDENTITY (sequence name "runs_seq_seq" INCREMENT BY 1 MINVALUE 1 MAXVALUE 9223372036854775807 START WITH 1 CACHE 1),
	"hash" text PRIMARY KEY NOT NULL,
	"spec" jsonb NOT NULL,
	"status" text DEFAULT 'queued' NOT NULL,
	"placement" text NOT NULL,
	"result" jsonb,
	"error" jsonb,
	"attempts" integer DEFAULT 0 NOT NULL,
	"lease_id" uuid,
	"lease_until" timestamp with time zone,
	"holder" text,
	"progress_step" integer,
	"provenance" jsonb,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL,
	"started_at" timestamp with time zone,
	"finished_at" timestamp with time zone,
	CONSTRAINT "runs_seq_unique" UNIQUE("seq"),
	CONSTRAINT "runs_hash_format" CHECK (hash ~ '^[0-9a-f]{64}$'),
	CONSTRAINT "runs_status_known" CHECK (status in ('queued', 'running', 'succeeded', 'failed', 'canceled')),
	CONSTRAINT "runs_placement_known" CHECK (placement in ('edge', 'runner')),
	CONSTRAINT "runs_result_iff_succeeded" CHECK ((status = 'succeeded') = (result is not null)),
	CONSTRAINT "runs_lease_when_running" CHECK (status <> 'running' or (lease_id is not null and lease_until is not null)),
	CONSTRAINT "runs_attempts_nonnegative" CHECK (attempts >= 0)
);
--> statement-breakpoint
CREATE TABLE "sweep_members" (
	"sweep_hash" text NOT NULL,
	"position" integer NOT NULL,
	"run_hash" text NOT NULL,
	"point_index" integer NOT NULL,
	"repeat" integer NOT NULL,
	CONSTRAINT "sweep_members_sweep_hash_position_pk" PRIMARY KEY("sweep_hash","position")
);
--> statement-breakpoint
CREATE TABLE "sweeps" (
	"seq" bigint GENERATED ALWAYS AS IDENTITY (sequence name "sweeps_seq_seq" INCREMENT BY 1 MINVALUE 1 MAXVALUE 9223372036854775807 START WITH 1 CACHE 1),
	"hash" text PRIMARY KEY NOT NULL,
	"spec" jsonb NOT NULL,
	"size" integer NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "sweeps_seq_unique" UNIQUE("seq"),
	CONSTRAINT "sweeps_hash_format" CHECK (hash ~ '^[0-9a-f]{64}$'),
	CONSTRAINT "sweeps_size_positive" CHECK (size > 0)
);
--> statement-breakpoint
ALTER TABLE "sweep_members" ADD CONSTRAINT "sweep_members_sweep_hash_sweeps_hash_fk" FOREIGN KEY ("sweep_hash") REFERENCES "public"."sweeps"("hash") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "sweep_members" ADD CONSTRAINT "sweep_members_run_hash_runs_hash_fk" FOREIGN KEY ("run_hash") REFERENCES "public"."runs"("hash") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
CREATE INDEX "runs_claim_idx" ON "runs" USING btree ("status","placement","seq");--> statement-breakpoint
CREATE INDEX "runs_lease_idx" ON "runs" USING btree ("lease_until") WHERE status = 'running';--> statement-breakpoint
CREATE INDEX "sweep_members_run_idx" ON "sweep_members" USING btree ("run_hash");