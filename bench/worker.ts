// A Worker that trains one posted spec: lets bench/engine.ts time workerd from the Node side.
import { parseSyntheticSpec } from "../src/core/index.js";
import { train } from "../src/engine/train.js";
import { useWorkerdBackend } from "../src/engine/workerd.js";

export default {
  async fetch(request: Request): Promise<Response> {
    await useWorkerdBackend();
    return Response.json(await train(parseSyntheticSpec(await request.json())));
  },
};
