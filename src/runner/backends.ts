import type { ImageArch } from "../core/index.js";
import { useNodeBackend } from "../engine/node.js";

/**
 * Engine backends a runner can train with. Native TensorFlow is never a dependency of prunelab
 * (its install downloads libtensorflow): it is imported only when selected, from the user's own
 * installation, with a clear message when it is missing.
 */
export const RUNNER_BACKENDS = {
  wasm: () => useNodeBackend("wasm"),
  "tfjs-node": () => useNativeBackend("@tensorflow/tfjs-node"),
  "tfjs-node-gpu": () => useNativeBackend("@tensorflow/tfjs-node-gpu"),
} as const;
export type RunnerBackend = keyof typeof RUNNER_BACKENDS;
export const RUNNER_BACKEND_NAMES = Object.keys(RUNNER_BACKENDS) as [RunnerBackend, ...RunnerBackend[]];

/**
 * The image architectures each backend trains in reasonable time (docs/decisions/013-image-kind.md):
 * a runner declares those of its backend that a trainer of this project trains
 * (`IMAGE_ARCHS[arch].trainable`). The MNIST MLP trains on every backend; a CIFAR network joins
 * the lists of the backends fast enough for it when a trainer trains it.
 */
export const BACKEND_ARCHS: Record<RunnerBackend, readonly ImageArch[]> = {
  wasm: ["mlp-1024-1024"],
  "tfjs-node": ["mlp-1024-1024"],
  "tfjs-node-gpu": ["mlp-1024-1024"],
};

export class BackendUnavailable extends Error {}

async function useNativeBackend(packageName: string): Promise<void> {
  try {
    await import(/* @vite-ignore */ packageName);
  } catch (error) {
    throw new BackendUnavailable(
      `the ${packageName} backend was selected but ${packageName} is not installed here ` +
        `(${(error as Error).message.split("\n")[0]}). Install it next to prunelab with \`npm install ${packageName}\` ` +
        "(it downloads TensorFlow's native library), or use --backend wasm.",
    );
  }
  const tf = await import("@tensorflow/tfjs-core");
  if (!(await tf.setBackend("tensorflow"))) throw new BackendUnavailable(`${packageName} is installed but its "tensorflow" backend did not start`);
}
