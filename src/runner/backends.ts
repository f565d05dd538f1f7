import type { ImageArch } from "../core/index.js";
import { useNodeBackend } from "../engine/node.js";

/**
 * The tfjs engine backends a training thread can start. Native TensorFlow is never a dependency of
 * prunelab (its install downloads libtensorflow): it is imported only when selected, from the
 * user's own installation, with a clear message when it is missing. `tfjs-node-gpu` is not offered:
 * its last release is built for CUDA 11.2 / cuDNN 8.1 with no code for current GPUs; GPUs train
 * through the `torch` backend (docs/decisions/014-torch-backend.md).
 */
export const TFJS_BACKENDS = {
  wasm: () => useNodeBackend("wasm"),
  "tfjs-node": () => useNativeBackend("@tensorflow/tfjs-node"),
} as const;
export type TfjsBackend = keyof typeof TFJS_BACKENDS;

/**
 * The runner's backends: the tfjs ones train in worker threads of the runner; `torch` trains each
 * job in a Python child process (docs/decisions/014-torch-backend.md). How each one starts and
 * trains: src/runner/trainers.ts.
 */
export const RUNNER_BACKEND_NAMES = [...(Object.keys(TFJS_BACKENDS) as TfjsBackend[]), "torch"] as const;
export type RunnerBackend = (typeof RUNNER_BACKEND_NAMES)[number];

/**
 * The image architectures each backend trains in reasonable time (docs/decisions/013-image-kind.md):
 * a runner declares those of its backend that a trainer of this project trains
 * (`IMAGE_ARCHS[arch].trainable`). The tfjs backends train the MNIST MLP; the torch backend trains
 * every architecture (docs/decisions/014-torch-backend.md).
 */
export const BACKEND_ARCHS: Record<RunnerBackend, readonly ImageArch[]> = {
  wasm: ["mlp-1024-1024"],
  "tfjs-node": ["mlp-1024-1024"],
  torch: ["mlp-1024-1024", "vgg16", "resnet20", "resnet20-128"],
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
