"""Checkpoints: an exact round trip, atomic writes, clear errors, and an exact resume."""

import itertools
import json

import numpy as np
import pytest

from core import checkpoint as ckpt_io
from core.checkpoint import CheckpointError
from core.run import Run


@pytest.fixture
def names_file(tmp_path, names):
    path = tmp_path / "names.txt"
    path.write_text("\n".join(names) + "\n", encoding="utf-8")
    return path


@pytest.fixture
def trained(names_file):
    """A run of 20 steps stopped after 7, with a sample drawn (the RNG has moved)."""
    run = Run.create("seed", names_file, train={"num_steps": 20, "batch_size": 2, "seed": 3})
    list(itertools.islice(run.trainer.steps(), 7))
    run.sample(3)
    return run


@pytest.fixture
def saved(trained, tmp_path):
    return trained.save(tmp_path / "ckpt" / "run.npz")


def test_round_trip(trained, saved):
    ck = ckpt_io.load(saved)
    assert ck.model.config == trained.model.config
    assert ck.model.shapes == trained.model.shapes
    for name, w in trained.model.params.items():
        assert np.array_equal(ck.model.params[name], w), name
        assert ck.model.params[name].dtype == np.float64
    assert np.array_equal(ck.optimizer.sums, trained.trainer.optimizer.sums)
    assert np.array_equal(ck.optimizer.m, trained.trainer.optimizer.m)
    assert ck.optimizer.t == trained.trainer.optimizer.t == 7
    assert (ck.optimizer.beta1, ck.optimizer.beta2, ck.optimizer.eps) == (0.9, 0.95, 1e-8)
    assert ck.step == 7
    assert ck.train_config == trained.trainer.config
    assert ck.sample_config == trained.sample_config
    assert ck.tokenizer == trained.dataset.tokenizer
    assert ck.rng_state == trained.rng.bit_generator.state
    assert ck.meta == {"preset": "seed", "data": trained.data}


def test_the_file_is_an_npz_without_pickles(saved):
    with np.load(saved, allow_pickle=False) as z:
        names = set(z.files)
        header = json.loads(z["header"].tobytes().decode())
        assert z["param/wte"].shape == (28, 16)
    assert {"header", "adam/sums", "param/wte", "param/layer0.mlp_fc2"} <= names
    assert header["format"] == "microgpt-tui-checkpoint" and header["version"] == 2
    assert header["tokenizer"] == {"chars": "abcdefghijklmnopqrstuvwxyz"}


def test_float32_round_trip(names_file, tmp_path):
    run = Run.create("seed", names_file, model={"dtype": "float32"}, train={"num_steps": 3})
    list(run.trainer.steps())
    ck = ckpt_io.load(run.save(tmp_path / "f32.npz"))
    assert ck.model.flat.dtype == np.float32
    assert np.array_equal(ck.model.flat, run.model.flat)


def test_the_write_is_atomic(trained, saved, monkeypatch):
    assert sorted(p.name for p in saved.parent.iterdir()) == ["run.npz"]  # no temp file left
    old = saved.read_bytes()
    list(itertools.islice(trained.trainer.steps(), 2))

    def failing_savez(file, **arrays):
        file.write(b"PK\x03\x04 half a zip")
        raise OSError("disk full")

    monkeypatch.setattr(np, "savez", failing_savez)
    with pytest.raises(CheckpointError, match="disk full"):
        trained.save(saved)
    assert saved.read_bytes() == old
    assert sorted(p.name for p in saved.parent.iterdir()) == ["run.npz"]
    assert ckpt_io.load(saved).step == 7


def test_saving_over_an_old_checkpoint_replaces_it(trained, saved):
    list(itertools.islice(trained.trainer.steps(), 2))
    trained.save(saved)
    assert ckpt_io.load(saved).step == 9


def rewrite(src, dst, *, header=None, drop=(), arrays=None):
    """Copy checkpoint `src` to `dst` with header fields, arrays or members changed."""
    with np.load(src) as z:
        data = {k: z[k] for k in z.files}
    h = json.loads(data["header"].tobytes().decode())
    h.update(header or {})
    data["header"] = np.frombuffer(json.dumps(h).encode(), dtype=np.uint8)
    data.update(arrays or {})
    for key in drop:
        del data[key]
    np.savez(dst, **data)
    return dst


def assert_refused(path, *words):
    with pytest.raises(CheckpointError) as e:
        ckpt_io.load(path)
    message = str(e.value)
    assert str(path) in message and "\n" not in message
    for word in words:
        assert word in message


def test_missing_file_and_directory(tmp_path):
    assert_refused(tmp_path / "nope.npz", "not found")
    assert_refused(tmp_path, "directory")


def test_truncated_files(saved, tmp_path):
    raw = saved.read_bytes()
    for n in (0, 10, len(raw) // 3, len(raw) // 2, len(raw) - 200, len(raw) - 1):
        path = tmp_path / f"cut{n}.npz"
        path.write_bytes(raw[:n])
        assert_refused(path)


def test_garbage_bytes(tmp_path):
    path = tmp_path / "garbage.npz"
    path.write_bytes(np.random.default_rng(0).bytes(5000))
    assert_refused(path)
    text = tmp_path / "text.npz"
    text.write_text("emma\nolivia\n")
    assert_refused(text)


def test_an_npy_array_is_not_a_checkpoint(tmp_path):
    path = tmp_path / "array.npy"
    np.save(path, np.arange(5.0))
    assert_refused(path)


def test_an_npz_that_is_not_a_checkpoint(tmp_path, saved):
    path = tmp_path / "other.npz"
    np.savez(path, weights=np.ones(3))
    assert_refused(path, "not a microgpt-tui checkpoint")
    foreign = rewrite(saved, tmp_path / "foreign.npz", header={"format": "something-else"})
    assert_refused(foreign, "not a microgpt-tui checkpoint")
    corrupt = rewrite(
        saved, tmp_path / "corrupt.npz", arrays={"header": np.frombuffer(b"{x", np.uint8)}
    )
    assert_refused(corrupt, "header")


def test_wrong_version(saved, tmp_path):
    assert_refused(rewrite(saved, tmp_path / "v3.npz", header={"version": 3}), "version 3")
    assert_refused(rewrite(saved, tmp_path / "v0.npz", header={"version": 0}), "version 0")
    # numbers that only compare equal to a version are not one
    assert_refused(rewrite(saved, tmp_path / "vt.npz", header={"version": True}), "version True")
    assert_refused(rewrite(saved, tmp_path / "vf.npz", header={"version": 2.0}), "version 2.0")


def test_a_version_1_checkpoint_still_loads(trained, saved, tmp_path):
    """Version 1 kept Adam's moments m and v; they become the decayed sums again."""
    opt = trained.trainer.optimizer
    b1, b2 = opt.beta1, opt.beta2
    rng = np.random.default_rng(0)  # moments made here, not by the code under test
    m, v = rng.normal(size=opt.sums.shape[1]), rng.random(opt.sums.shape[1])
    odd = rewrite(saved, tmp_path / "v1-odd.npz", header={"version": 1},
                  arrays={"adam/m": m, "adam/v": v}, drop=["adam/sums"])  # fmt: skip
    sums = ckpt_io.load(odd).optimizer.sums
    np.testing.assert_allclose(sums, [m / (1 - b1), v / (1 - b2)], rtol=1e-15, atol=0)
    # the trained run's own moments: it resumes as from its version-2 file
    old = rewrite(saved, tmp_path / "v1.npz", header={"version": 1},
                  arrays={"adam/m": opt.m, "adam/v": opt.v}, drop=["adam/sums"])  # fmt: skip
    ck = ckpt_io.load(old)
    np.testing.assert_allclose(ck.optimizer.sums, opt.sums, rtol=1e-15, atol=0)
    assert ck.optimizer.t == opt.t and np.array_equal(ck.model.flat, trained.model.flat)
    losses = [
        [r.loss for r in itertools.islice(Run.load(p).trainer.steps(), 5)] for p in (saved, old)
    ]
    np.testing.assert_allclose(losses[1], losses[0], rtol=1e-12)
    assert_refused(rewrite(old, tmp_path / "v1-no-v.npz", drop=["adam/v"]), "adam/v", "missing")


def test_a_parameter_of_the_wrong_shape_or_missing(saved, tmp_path):
    bad = rewrite(saved, tmp_path / "shape.npz", arrays={"param/wpe": np.zeros((9, 16))})
    assert_refused(bad, "wpe", "(9, 16)", "(8, 16)")
    gone = rewrite(saved, tmp_path / "gone.npz", drop=["param/layer0.attn_wv"])
    assert_refused(gone, "layer0.attn_wv", "missing")
    adam = rewrite(saved, tmp_path / "adam.npz", arrays={"adam/sums": np.zeros((2, 10))})
    assert_refused(adam, "adam/sums", "wrong size")


def test_an_invalid_header(saved, tmp_path):
    cfg = ckpt_io.load(saved).model.config.to_dict()
    bad_cfg = rewrite(saved, tmp_path / "cfg.npz", header={"model_config": {**cfg, "n_head": 5}})
    assert_refused(bad_cfg, "n_embd")
    unknown = rewrite(saved, tmp_path / "unknown.npz", header={"train_config": {"speed": 3}})
    assert_refused(unknown, "speed")
    vocab = rewrite(saved, tmp_path / "vocab.npz", header={"tokenizer": {"chars": "abc"}})
    assert_refused(vocab, "vocabulary")


def test_non_finite_numbers(saved, tmp_path):
    wte = ckpt_io.load(saved).model.params["wte"].copy()
    wte[3, 4] = np.nan
    assert_refused(rewrite(saved, tmp_path / "nan.npz", arrays={"param/wte": wte}), "finite")


def test_save_load_and_continue_equals_the_uninterrupted_run(names_file, tmp_path):
    def create():
        return Run.create("seed", names_file, train={"num_steps": 25, "batch_size": 2, "seed": 9})

    whole = [r.loss for r in create().trainer.steps()]
    run = create()
    first = [r.loss for r in itertools.islice(run.trainer.steps(), 10)]
    run.save(tmp_path / "mid.npz")
    resumed = Run.load(tmp_path / "mid.npz")
    assert resumed.trainer.step == 10
    assert resumed.dataset.docs == run.dataset.docs
    assert np.array_equal(resumed.dataset.val_ids, run.dataset.val_ids)
    # the sampler continues from the same random state
    assert resumed.sample(5) == run.sample(5)
    rest = [r.loss for r in resumed.trainer.steps()]
    assert first + rest == whole


def test_a_checkpoint_from_before_dropout_loads_with_none(saved, tmp_path):
    cfg = ckpt_io.load(saved).model.config.to_dict()
    del cfg["dropout"]  # written before the field existed
    old = rewrite(saved, tmp_path / "old.npz", header={"model_config": cfg})
    assert ckpt_io.load(old).model.config.dropout == 0.0


def test_a_dropout_run_saved_loaded_and_continued_equals_the_uninterrupted_run(
    names_file, tmp_path
):
    def create():
        return Run.create(
            "seed",
            names_file,
            model={"dropout": 0.2},
            train={"num_steps": 25, "batch_size": 2, "seed": 9},
        )

    whole = [r.loss for r in create().trainer.steps()]
    run = create()
    first = [r.loss for r in itertools.islice(run.trainer.steps(), 10)]
    run.save(tmp_path / "mid.npz")
    resumed = Run.load(tmp_path / "mid.npz")
    assert resumed.model.config.dropout == 0.2
    assert first + [r.loss for r in resumed.trainer.steps()] == whole
