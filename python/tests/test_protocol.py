"""The JSON-lines protocol end to end: `python -m prunelab_torch` in a subprocess."""

import json

import torch

from prunelab_torch import pruning

from conftest import EPOCH_POINT_KEYS, LEVEL_KEYS, METRIC_KEYS, base_spec, run_cli

MNIST_SHA256 = "b2d8f5bf39174ee5ffeefa97e42d673c35432b411bb5d1f74fbbeddae7f1690a"
ENGINE_KEYS = {"backend", "trainer", "threads", "device", "torch", "cuda"}


def check_curve(curve, epochs):
    assert [point["epoch"] for point in curve] == list(range(epochs + 1))
    assert all(set(point) == EPOCH_POINT_KEYS for point in curve)


def test_capabilities(tmp_path):
    code, lines, _ = run_cli(tmp_path, "capabilities")
    assert code == 0 and len(lines) == 1
    (caps,) = lines
    assert caps["archs"] == ["mlp-1024-1024", "vgg16", "resnet20", "resnet20-128"]
    assert caps["datasets"] == ["mnist"]
    assert caps["torch"] == torch.__version__ and caps["device"] == "cpu" and caps["cuda"] is None


def test_capabilities_declare_cifar_from_the_data_dir(tmp_path, cifar):
    code, lines, _ = run_cli(tmp_path, "capabilities", "--data-dir", str(cifar["data_dir"]), "--manifest", str(cifar["manifest"]))
    assert code == 0 and lines[0]["datasets"] == ["mnist", "cifar10"]


def test_random_mlp_on_real_mnist(tmp_path):
    spec = base_spec(train_size=300, epochs=2, pruning={"method": "random", "density": 0.3, "distribution": "uniform"}, learningRate=0.05, momentum=0.9)
    code, lines, stderr = run_cli(tmp_path, "train", spec=spec, env={"PRUNELAB_THREADS": "1"})
    assert code == 0, stderr
    progress, (result,) = lines[:-1], lines[-1:]
    assert [p["type"] for p in progress] == ["progress"] * 3
    assert [(p["epoch"], p["epochs"], p["level"], p["levels"]) for p in progress] == [(0, 2, 0, 0), (1, 2, 0, 0), (2, 2, 0, 0)]
    assert result["type"] == "result"
    assert set(result["engine"]) == ENGINE_KEYS and result["engine"]["backend"] == "torch" and result["engine"]["threads"] == 1
    r = result["result"]
    assert set(r) == {"final", "curve", "density", "layerDensities", "diverged", "dataset"}
    check_curve(r["curve"], 2)
    assert set(r["final"]) == METRIC_KEYS and r["diverged"] is False
    assert r["dataset"] == {"name": "mnist", "sha256": MNIST_SHA256}
    # realized: round(0.3 · 802,816) = 240,845 kept, 0.300000249123 to 12 digits
    assert r["layerDensities"] == [{"layer": "fc1", "weights": 802816, "density": 0.300000249123}, {"layer": "fc2", "weights": 1048576, "density": pruning.density_of(314573, 1048576)}]
    assert r["density"] == pruning.density_of(240845 + pruning.js_round(0.3 * 1048576), 802816 + 1048576)
    assert progress[-1]["loss"] == r["final"]["trainLoss"]
    # it learns: the training loss falls from the initialization's
    assert r["curve"][2]["trainLoss"] < r["curve"][0]["trainLoss"]
    assert r["final"]["testError"] < 0.5


def imp_spec(rewind):
    return base_spec(train_size=200, pruning={"method": "imp", "rate": 0.5, "levels": 2, "rewindStep": rewind}, batchSize=50, learningRate=0.05)


def test_imp_partials_result_and_resume_equivalence(tmp_path):
    spec = imp_spec(rewind=2)
    env = {"PRUNELAB_THREADS": "1"}
    code, lines, stderr = run_cli(tmp_path, "train", spec=spec, env=env)
    assert code == 0, stderr
    assert [line["type"] for line in lines] == ["progress", "progress", "partial", "progress", "progress", "partial", "progress", "progress", "result"]
    partials = [line["partial"] for line in lines if line["type"] == "partial"]
    assert [p["checkpoint"]["level"] for p in partials] == [0, 1]
    result = lines[-1]["result"]
    assert [level["level"] for level in result["levels"]] == [0, 1, 2]
    assert all(set(level) == LEVEL_KEYS for level in result["levels"])
    schedule = pruning.imp_kept_schedule(802816 + 1048576, 0.5, 2)
    assert [level["density"] for level in result["levels"]] == [pruning.density_of(k, schedule[0]) for k in schedule]
    assert result["curve"] == result["levels"][-1]["curve"] and result["final"] == result["levels"][-1]["final"]
    assert partials[1]["levels"] == result["levels"][:2]
    # resuming after level 0 gives the uninterrupted job's numbers (same device and threads)
    partial_path = tmp_path / "partial.json"
    partial_path.write_text(json.dumps(partials[0]))
    code, resumed, stderr = run_cli(tmp_path, "train", "--resume", str(partial_path), spec=spec, env=env)
    assert code == 0, stderr
    assert [line["type"] for line in resumed] == ["progress", "progress", "partial", "progress", "progress", "result"]
    assert resumed[-1]["result"] == result
    assert resumed[2] == lines[5]


def test_resume_refuses_a_partial_of_another_spec(tmp_path):
    partial = {"levels": [{"level": 0}], "checkpoint": {"level": 0, "masks": [{"layer": "fc1", "weights": 802816, "bits": "AA=="}]}}
    path = tmp_path / "partial.json"
    path.write_text(json.dumps(partial))
    code, lines, _ = run_cli(tmp_path, "train", "--resume", str(path), spec=imp_spec(rewind=0))
    assert code == 1 and lines[-1]["type"] == "error" and lines[-1]["code"] == "validation_failed" and lines[-1]["retryable"] is False


def test_vgg16_and_resnet20_train_on_generated_cifar(tmp_path, cifar):
    for arch, pruning_spec in (("vgg16", {"method": "random", "density": 0.2, "distribution": "erk"}), ("resnet20", {"method": "imp", "rate": 0.2, "levels": 1, "rewindStep": 1})):
        spec = base_spec(arch, "cifar10", 48, pruning_spec, batchSize=16, augment=True, milestones=[1])
        code, lines, stderr = run_cli(tmp_path, "train", "--data-dir", str(cifar["data_dir"]), "--manifest", str(cifar["manifest"]), spec=spec)
        assert code == 0, stderr
        result = lines[-1]["result"]
        assert result["dataset"]["name"] == "cifar10" and len(result["dataset"]["sha256"]) == 64
        check_curve(result["curve"], 1)
        assert all(point["trainLoss"] is not None for point in result["curve"])
        names = [layer["layer"] for layer in result["layerDensities"]]
        if arch == "vgg16":
            assert len(names) == 13 and names[0] == "features.0"
            assert abs(result["density"] - 0.2) < 1e-6
        else:
            assert len(names) == 21 and [level["level"] for level in result["levels"]] == [0, 1]


def test_data_errors_are_error_lines(tmp_path, cifar):
    spec = base_spec("resnet20", "cifar10", 16, batchSize=16)
    empty = tmp_path / "empty"
    empty.mkdir()
    code, lines, _ = run_cli(tmp_path, "train", "--data-dir", str(empty), "--manifest", str(cifar["manifest"]), spec=spec)
    assert code == 1 and lines == [lines[-1]] and lines[-1]["code"] == "data_missing" and lines[-1]["retryable"] is True
    code, lines, _ = run_cli(tmp_path, "train", spec=spec)  # no --data-dir at all
    assert code == 1 and lines[-1]["code"] == "data_missing" and "--data-dir" in lines[-1]["message"]
    # a truncated batch
    batch = cifar["folder"] / "test_batch.bin"
    batch.write_bytes(batch.read_bytes()[:-100])
    code, lines, _ = run_cli(tmp_path, "train", "--data-dir", str(cifar["data_dir"]), "--manifest", str(cifar["manifest"]), spec=spec)
    assert code == 1 and lines[-1]["code"] == "data_mismatch" and "truncated" in lines[-1]["message"]


def test_a_wrong_digest_is_data_mismatch(tmp_path, cifar):
    manifest = cifar["manifest_json"]
    manifest["cifar10"]["files"][0]["sha256"] = "0" * 64
    path = tmp_path / "digest-manifest.json"
    path.write_text(json.dumps(manifest))
    code, lines, _ = run_cli(tmp_path, "train", "--data-dir", str(cifar["data_dir"]), "--manifest", str(path), spec=base_spec("resnet20", "cifar10", 16))
    assert code == 1 and lines[-1]["code"] == "data_mismatch" and "SHA-256" in lines[-1]["message"]


def test_gzipped_files_give_the_same_digest(tmp_path, cifar):
    import gzip

    from prunelab_torch.data import load_image_data, load_manifest

    plain = load_image_data("cifar10", str(cifar["data_dir"]), load_manifest(str(cifar["manifest"])))
    for name in ("data_batch_1.bin", "test_batch.bin"):
        path = cifar["folder"] / name
        (cifar["folder"] / f"{name}.gz").write_bytes(gzip.compress(path.read_bytes()))
        path.unlink()
    zipped = load_image_data("cifar10", str(cifar["data_dir"]), load_manifest(str(cifar["manifest"])))
    assert zipped.sha256 == plain.sha256 and torch.equal(zipped.train_images, plain.train_images)


def test_an_invalid_spec_is_validation_failed(tmp_path):
    spec = base_spec("vgg16", "mnist")
    code, lines, _ = run_cli(tmp_path, "train", spec=spec)
    assert code == 1 and lines == [{"type": "error", "code": "validation_failed", "message": lines[0]["message"], "retryable": False}]
