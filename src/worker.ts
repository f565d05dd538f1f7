/**
 * Cloudflare Worker entry: wiring only. The HTTP API lands here; until then the Worker answers
 * `/healthz` so the runtime, the bundle and the toolchain are exercised end to end.
 */
export default {
  async fetch(request: Request): Promise<Response> {
    const url = new URL(request.url);
    if (url.pathname === "/healthz") return Response.json({ status: "ok" });
    return new Response("not found", { status: 404 });
  },
};
