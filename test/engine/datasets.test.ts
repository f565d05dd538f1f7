import { describe, expect, it } from "vitest";
import { AppError } from "../../src/core/index.js";
import { parseCifarBatches } from "../../src/engine/datasets/cifar.js";
import { parseIdxImages, parseIdxLabels } from "../../src/engine/datasets/idx.js";
import { classCounts, idxSplit, toImageData } from "../../src/engine/datasets/image-data.js";
import { TarReader } from "../../src/engine/datasets/tar.js";
import { cifarBatch, idxImages, idxLabels, pixel, tar } from "../fixtures/image-files.js";

/** The error a call throws, checked to be an AppError with `code`. */
function thrown(call: () => unknown, code = "data_mismatch"): AppError {
  try {
    call();
  } catch (error) {
    expect(error).toBeInstanceOf(AppError);
    expect((error as AppError).code).toBe(code);
    return error as AppError;
  }
  throw new Error("expected an error");
}

const SHA = "a".repeat(64);

describe("IDX files", () => {
  it("parse images and labels as views of the file's bytes", () => {
    const file = idxImages(3, 28, 28);
    const images = parseIdxImages(file, "train images");
    expect(images).toMatchObject({ count: 3, rows: 28, cols: 28 });
    expect(images.images.length).toBe(3 * 784);
    expect(images.images[784 + 5]).toBe(pixel(1, 5));
    expect(images.images.buffer).toBe(file.buffer); // no copy
    expect(parseIdxLabels(idxLabels([5, 0, 4]), "train labels")).toEqual({ count: 3, labels: Uint8Array.from([5, 0, 4]) });
  });

  it("refuse a wrong magic number, naming both", () => {
    expect(thrown(() => parseIdxImages(idxLabels([1, 2]), "t10k-images")).message).toMatch(/t10k-images .*magic number 0x00000801, expected 0x00000803/);
    expect(thrown(() => parseIdxLabels(idxImages(1, 2, 2), "t10k-labels")).message).toMatch(/magic number 0x00000803, expected 0x00000801/);
  });

  it("refuse a truncated or overlong file with the expected and actual byte counts", () => {
    const file = idxImages(2, 28, 28); // 16 + 1568 bytes
    expect(thrown(() => parseIdxImages(file.subarray(0, 1000), "train-images-idx3-ubyte")).message).toMatch(
      /train-images-idx3-ubyte .*truncated: images of dimensions 2 × 28 × 28 take 1584 bytes \(16-byte header \+ 1568\), the file has 1000/,
    );
    const longer = new Uint8Array(file.length + 1);
    longer.set(file);
    expect(thrown(() => parseIdxImages(longer, "x")).message).toMatch(/too long: .*take 1584 bytes.*the file has 1585/);
    expect(thrown(() => parseIdxLabels(idxLabels([1, 2, 3]).subarray(0, 10), "labels")).message).toMatch(/take 11 bytes .*the file has 10/);
    expect(thrown(() => parseIdxImages(file.subarray(0, 10), "x")).message).toMatch(/10 bytes is shorter than the 16-byte header/);
  });
});

describe("CIFAR-10 batches", () => {
  it("concatenate the batches' images (channel-major, as stored) and labels in order", () => {
    const split = parseCifarBatches([
      { file: "data_batch_1.bin", bytes: cifarBatch([6, 9], 0) },
      { file: "data_batch_2.bin", bytes: cifarBatch([1], 2) },
    ]);
    expect(split.count).toBe(3);
    expect([...split.labels]).toEqual([6, 9, 1]);
    expect(split.images.length).toBe(3 * 3072);
    // image 2's red pixel 0, green pixel 0 (index 1024), blue last pixel
    expect([split.images[2 * 3072], split.images[2 * 3072 + 1024], split.images[3 * 3072 - 1]]).toEqual([pixel(2, 0), pixel(2, 1024), pixel(2, 3071)]);
  });

  it("refuse a label outside 0 … 9, naming the batch and record", () => {
    const bytes = cifarBatch([3, 10, 2]);
    expect(thrown(() => parseCifarBatches([{ file: "test_batch.bin", bytes }])).message).toMatch(/test_batch\.bin .*record 1 \(byte 3073\) has label 10/);
  });

  it("refuse a length that is not a whole number of records", () => {
    const bytes = cifarBatch([1, 2]).subarray(0, 6000);
    expect(thrown(() => parseCifarBatches([{ file: "data_batch_3.bin", bytes }])).message).toMatch(/data_batch_3\.bin .*6000 bytes is not a positive multiple of the 3073-byte record/);
    expect(thrown(() => parseCifarBatches([{ file: "empty", bytes: new Uint8Array(0) }])).message).toMatch(/0 bytes/);
  });
});

describe("the tar reader", () => {
  const a = Uint8Array.from({ length: 1300 }, (_, i) => i % 251);
  const b = Uint8Array.from({ length: 512 }, (_, i) => 255 - (i % 256));
  const archive = tar([
    { name: "batches/", type: "5" },
    { name: "batches/a.bin", data: a },
    { name: "batches/readme.html", data: new Uint8Array(100) },
    { name: "batches/b.bin", data: b },
    { name: "./batches/empty.bin" },
  ]);
  const wanted = (name: string) => name !== "batches/readme.html";

  it("keeps the members asked for and skips the rest, whatever the chunk sizes", () => {
    for (const size of [1, 7, 512, 513, 4096, archive.length]) {
      const reader = new TarReader("archive.tar", wanted);
      for (let at = 0; at < archive.length; at += size) reader.push(archive.subarray(at, at + size));
      const members = reader.end();
      expect([...members.keys()]).toEqual(["batches/a.bin", "batches/b.bin", "batches/empty.bin"]);
      expect(members.get("batches/a.bin")).toEqual(a);
      expect(members.get("batches/b.bin")).toEqual(b);
      expect(members.get("batches/empty.bin")?.length).toBe(0);
    }
  });

  it("reads long names from pax and GNU long-name headers", () => {
    const long = `batches/${"n".repeat(150)}`;
    const reader = new TarReader("archive.tar", () => true);
    reader.push(tar([{ name: `${long}-pax`, data: a, type: "pax" }, { name: `${long}-gnu`, data: b, type: "longname" }, { name: "short", data: b }]));
    const members = reader.end();
    expect([...members.keys()]).toEqual([`${long}-pax`, `${long}-gnu`, "short"]);
    expect(members.get(`${long}-pax`)).toEqual(a);
    expect(members.get(`${long}-gnu`)).toEqual(b);
  });

  it("refuses a truncated archive, naming the member", () => {
    const reader = new TarReader("cifar-10-binary.tar.gz", wanted);
    reader.push(archive.subarray(0, 1024 + 100)); // the folder's header, a.bin's header, 100 bytes of its body
    expect(thrown(() => reader.end()).message).toMatch(/cifar-10-binary\.tar\.gz .*ends inside member batches\/a\.bin \(100 of 1300 bytes\): truncated/);
    const inHeader = new TarReader("x.tar", wanted);
    inHeader.push(archive.subarray(0, 200));
    expect(thrown(() => inHeader.end()).message).toMatch(/ends inside a header/);
  });

  it("refuses a header whose checksum does not match", () => {
    const corrupt = archive.slice();
    corrupt[512 + 10] = corrupt[512 + 10]! ^ 1; // a.bin's name
    expect(thrown(() => new TarReader("x.tar", wanted).push(corrupt)).message).toMatch(/header at byte 512 has checksum \d+, its bytes sum to \d+/);
  });

  it("lets the caller refuse a member by its size before reading it", () => {
    const reader = new TarReader("x.tar", (name, size) => {
      if (name === "batches/b.bin" && size !== 30) throw new AppError("data_mismatch", `${name} has ${size} bytes`);
      return true;
    });
    expect(thrown(() => reader.push(archive)).message).toBe("batches/b.bin has 512 bytes");
  });
});

describe("ImageData from parsed splits", () => {
  const split = (count: number, labels: number[]) =>
    idxSplit("mnist", parseIdxImages(idxImages(count), "images"), parseIdxLabels(idxLabels(labels), "labels"), { images: "images", labels: "labels" });

  it("holds both splits with the data set's [C, H, W] shape and classes", () => {
    const data = toImageData("mnist", split(3, [5, 0, 4]), split(2, [7, 2]), SHA);
    expect(data).toMatchObject({ dataset: "mnist", shape: [1, 28, 28], classes: 10, sha256: SHA, train: { count: 3 }, test: { count: 2 } });
    expect([...data.train.labels]).toEqual([5, 0, 4]);
    const cifar = parseCifarBatches([{ file: "b", bytes: cifarBatch([0, 1]) }]);
    expect(toImageData("cifar10", cifar, cifar, SHA).shape).toEqual([3, 32, 32]);
  });

  it("refuses IDX images of the wrong size and images without as many labels", () => {
    const small = parseIdxImages(idxImages(2, 14, 56), "train-images");
    expect(thrown(() => idxSplit("mnist", small, parseIdxLabels(idxLabels([1, 2]), "l"), { images: "train-images", labels: "l" })).message).toMatch(/train-images holds 14 × 56 images; mnist images are 28 × 28/);
    const images = parseIdxImages(idxImages(2), "imgs");
    expect(thrown(() => idxSplit("mnist", images, parseIdxLabels(idxLabels([1]), "lbls"), { images: "imgs", labels: "lbls" })).message).toMatch(/imgs holds 2 images but lbls holds 1 labels/);
    expect(thrown(() => idxSplit("cifar10", images, parseIdxLabels(idxLabels([1, 2]), "l"), { images: "imgs", labels: "l" })).message).toMatch(/3 channels/);
  });

  it("refuses a label beyond the classes, an empty split and a split of the wrong shape", () => {
    expect(thrown(() => toImageData("mnist", split(2, [1, 10]), split(1, [0]), SHA)).message).toMatch(/mnist train split's label 1 is 10; labels are 0 … 9/);
    const empty = { count: 0, images: new Uint8Array(0), labels: new Uint8Array(0) };
    expect(thrown(() => toImageData("mnist", split(1, [0]), empty, SHA)).message).toMatch(/test split holds no images/);
    const cifar = parseCifarBatches([{ file: "b", bytes: cifarBatch([0, 1]) }]);
    expect(thrown(() => toImageData("mnist", cifar, split(1, [0]), SHA)).message).toMatch(/6144 pixel bytes for 2 images of 1 × 28 × 28/);
    expect(() => toImageData("mnist", split(1, [0]), split(1, [0]), "ABC")).toThrow(/64 lowercase hex digits/);
  });

  it("counts the images of each class", () => {
    expect(classCounts(Uint8Array.from([0, 2, 2, 9, 2]), 10)).toEqual([1, 0, 3, 0, 0, 0, 0, 0, 0, 1]);
  });
});
