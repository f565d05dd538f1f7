// Entry of a training thread: registers tsx in this thread (loader flags do not reach worker
// threads on Node 20), then runs the TypeScript trainer.
import { register } from "tsx/esm/api";

register();
await import("./train-worker.ts");
