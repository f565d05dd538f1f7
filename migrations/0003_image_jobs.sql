-- Image jobs (docs/decisions/013-image-kind.md): what a runner must declare to lease a job, its
-- progress as JSON, an IMP job's partial result, and what each runner declared.
ALTER TABLE "runners" ADD COLUMN "capabilities" jsonb;--> statement-breakpoint
ALTER TABLE "runs" ADD COLUMN "kind" text DEFAULT 'synthetic' NOT NULL;--> statement-breakpoint
ALTER TABLE "runs" ADD COLUMN "arch" text;--> statement-breakpoint
ALTER TABLE "runs" ADD COLUMN "dataset" text;--> statement-breakpoint
ALTER TABLE "runs" ADD COLUMN "partial" jsonb;--> statement-breakpoint
-- progress_step (int4) becomes progress (jsonb), its values carried over as {"step": n}. A change of
-- type rewrites the rows without firing the transition trigger, which refuses any change to a
-- succeeded run.
ALTER TABLE "runs" RENAME COLUMN "progress_step" TO "progress";--> statement-breakpoint
ALTER TABLE "runs" ALTER COLUMN "progress" SET DATA TYPE jsonb USING CASE WHEN "progress" IS NULL THEN NULL ELSE jsonb_build_object('step', "progress") END;--> statement-breakpoint
-- Runs stored before these columns existed: the kind from the spec, and for image specs the
-- architecture and data set the canonical form omits when they are the defaults (the
-- architectures of this release: mlp-1024-1024 on mnist, the others on cifar10). The trigger
-- is set aside for this one statement only: it would refuse to touch succeeded runs.
ALTER TABLE "runs" DISABLE TRIGGER "runs_guard_transition";--> statement-breakpoint
UPDATE "runs" SET
  "kind" = "spec"->>'kind',
  "arch" = coalesce("spec"#>>'{model,arch}', 'mlp-1024-1024'),
  "dataset" = coalesce("spec"#>>'{data,dataset}', CASE coalesce("spec"#>>'{model,arch}', 'mlp-1024-1024') WHEN 'mlp-1024-1024' THEN 'mnist' ELSE 'cifar10' END)
WHERE "spec"->>'kind' = 'image';--> statement-breakpoint
ALTER TABLE "runs" ENABLE TRIGGER "runs_guard_transition";
