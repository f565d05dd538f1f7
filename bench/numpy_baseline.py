"""A straightforward NumPy implementation of the same run, for side-by-side timing.

Reads the exact data, initial weights and mask that prunelab drew (raw float32 files written by
bench/engine.ts) and trains the paper's network (sec. 2) on dense inputs x = [x1, x2] the obvious
way: one product per patch forward and one per patch for the gradient. float32 throughout.
Prints one JSON line: timing and the final metrics, so the two implementations also check each other.
"""
import json
import sys
import time

import numpy as np


def main(folder: str) -> None:
    meta = json.load(open(f"{folder}/meta.json"))
    n, n_test, d, K, m = meta["n"], meta["nTest"], meta["d"], meta["K"], meta["m"]
    q, lr, steps = meta["q"], np.float32(meta["learningRate"]), meta["steps"]
    load = lambda name, shape: np.fromfile(f"{folder}/{name}.f32", dtype=np.float32).reshape(shape)
    x_train, x_test = load("x_train", (n, 2 * d)), load("x_test", (n_test, 2 * d))
    y_train = np.fromfile(f"{folder}/y_train.i32", dtype=np.int32)
    y_test = np.fromfile(f"{folder}/y_test.i32", dtype=np.int32)
    # prunelab stores W and M filter-major, (K*m) x d; this implementation wants d x (K*m)
    mask = load("mask", (K * m, d)).T.copy()
    w = load("weights", (K * m, d)).T.copy() * mask
    onehot = np.eye(K, dtype=np.float32)[y_train]

    sigma = (lambda z: np.maximum(z, 0)) if q == 1 else (lambda z: np.maximum(z, 0) ** q)
    dsigma = (lambda z: (z > 0).astype(np.float32)) if q == 1 else (lambda z: q * np.maximum(z, 0) ** (q - 1))

    def outputs(x, w):
        z1, z2 = x[:, :d] @ w, x[:, d:] @ w
        return (sigma(z1) + sigma(z2)).reshape(len(x), K, m).sum(axis=2), z1, z2

    def loss_error(f, y):
        shifted = f - f.max(axis=1, keepdims=True)
        log_p = shifted - np.log(np.exp(shifted).sum(axis=1, keepdims=True))
        return float(-log_p[np.arange(len(y)), y].mean()), float((f.argmax(axis=1) != y).mean())

    started = time.perf_counter()
    for _ in range(steps):
        f, z1, z2 = outputs(x_train, w)
        p = np.exp(f - f.max(axis=1, keepdims=True))
        p /= p.sum(axis=1, keepdims=True)
        g = ((p - onehot) / n)[:, :, None]
        g1 = (dsigma(z1).reshape(n, K, m) * g).reshape(n, K * m)
        g2 = (dsigma(z2).reshape(n, K, m) * g).reshape(n, K * m)
        grad = x_train[:, :d].T @ g1 + x_train[:, d:].T @ g2
        w = w - lr * grad * mask
    elapsed = time.perf_counter() - started
    train_loss, train_error = loss_error(outputs(x_train, w)[0], y_train)
    test_loss, test_error = loss_error(outputs(x_test, w)[0], y_test)
    print(json.dumps({"ms": elapsed * 1000, "trainLoss": train_loss, "trainError": train_error, "testLoss": test_loss, "testError": test_error}))


if __name__ == "__main__":
    main(sys.argv[1])
