-- The database itself refuses a status transition the job lifecycle does not allow
-- (docs/architecture.md, Life of a job), any change to a succeeded run, and any change of a run's
-- identity.
CREATE FUNCTION runs_guard_transition() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF NEW.hash IS DISTINCT FROM OLD.hash OR NEW.spec IS DISTINCT FROM OLD.spec THEN
    RAISE EXCEPTION 'the hash and spec of run % never change', OLD.hash USING ERRCODE = 'check_violation';
  END IF;
  IF OLD.status = 'succeeded' THEN
    RAISE EXCEPTION 'run % has succeeded and never changes', OLD.hash USING ERRCODE = 'check_violation';
  END IF;
  IF OLD.status <> NEW.status AND (OLD.status, NEW.status) NOT IN (
    ('queued', 'running'), ('queued', 'canceled'),
    ('running', 'succeeded'), ('running', 'failed'), ('running', 'queued'), ('running', 'canceled'),
    ('failed', 'queued'), ('canceled', 'queued')
  ) THEN
    RAISE EXCEPTION 'run % cannot go from % to %', OLD.hash, OLD.status, NEW.status USING ERRCODE = 'check_violation';
  END IF;
  NEW.updated_at := now();
  RETURN NEW;
END
$$;
--> statement-breakpoint
CREATE TRIGGER runs_guard_transition BEFORE UPDATE ON runs FOR EACH ROW EXECUTE FUNCTION runs_guard_transition();
