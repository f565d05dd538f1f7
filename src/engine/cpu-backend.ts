import * as tf from "@tensorflow/tfjs-core";
import "@tensorflow/tfjs-backend-cpu";

/** tfjs's plain-JavaScript backend: the reference the WASM backend is checked against. */
export async function useCpuBackend(): Promise<void> {
  if (!(await tf.setBackend("cpu"))) throw new Error("the tfjs cpu backend failed to initialize");
}
