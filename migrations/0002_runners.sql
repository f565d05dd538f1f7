CREATE TABLE "runners" (
	"id" text PRIMARY KEY NOT NULL,
	"last_seen_at" timestamp with time zone DEFAULT now() NOT NULL,
	"backends" jsonb DEFAULT '[]'::jsonb NOT NULL
);
