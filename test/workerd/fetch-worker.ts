import { createExecutionContext, env, waitOnExecutionContext } from "cloudflare:test";
import worker from "../../src/worker.js";

/** Sends one request through the Worker's fetch handler and waits for the work it left running (cache writes). */
export async function fetchWorker(request: Request, bindings: Env = env): Promise<Response> {
  const ctx = createExecutionContext();
  const response = await worker.fetch(request, bindings, ctx as never);
  await waitOnExecutionContext(ctx);
  return response;
}
