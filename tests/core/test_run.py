"""Run: a training run in one object (create with overrides, restart, sample, attention,
loss and gradients, load)."""

import itertools

import numpy as np
import pytest

from core.config import ConfigError
from core.data import DataError
from core.model import GPT
from core.run import Run, load_dataset
from core.tokenizer import TokenizerError


def test_create_applies_overrides(names):
    run = Run.create(
        "microgpt",
        names,
        model={"n_embd": 32, "n_head": 8, "n_layer": 2, "vocab_size": 99},
        train={"lr": 0.02, "num_steps": 7, "seed": 5},
        sample={"temperature": 0.8, "top_k": 3},
    )
    cfg = run.model.config
    assert (cfg.n_embd, cfg.n_head, cfg.n_layer, cfg.block_size) == (32, 8, 2, 16)
    assert cfg.vocab_size == run.dataset.vocab_size == 28  # always the data's
    assert not cfg.tie_weights  # the rest of the preset is kept
    assert (run.trainer.config.lr, run.trainer.config.num_steps) == (0.02, 7)
    assert run.trainer.config.beta1 == 0.85
    assert (run.sample_config.temperature, run.sample_config.top_k) == (0.8, 3)
    assert run.dataset.block_size == 16
    assert len([r for r in run.trainer.steps()]) == 7


@pytest.mark.parametrize("group", ["model", "train", "sample"])
def test_create_refuses_unknown_fields(names, group):
    with pytest.raises(ConfigError, match="colour"):
        Run.create("seed", names, **{group: {"colour": "red"}})


def test_create_refuses_bad_values_and_presets(names):
    with pytest.raises(ConfigError, match="n_embd"):
        Run.create("seed", names, model={"n_embd": 15})
    with pytest.raises(ConfigError, match="temperature"):
        Run.create("seed", names, sample={"temperature": 0})
    with pytest.raises(ConfigError, match="nano"):
        Run.create("nano", names)


def test_create_is_seeded(names):
    a = Run.create("seed", names, train={"seed": 1})
    b = Run.create("seed", names, train={"seed": 1})
    c = Run.create("seed", names, train={"seed": 2})
    assert np.array_equal(a.model.flat, b.model.flat)
    assert not np.array_equal(a.model.flat, c.model.flat)
    assert np.array_equal(a.dataset.val_ids, b.dataset.val_ids)


def test_create_on_the_bundled_names():
    run = Run.create()
    assert (run.preset, run.data) == ("seed", "names")
    assert len(run.dataset) == 29_910 and run.model.num_params == 3_648


def test_restart_gives_a_fresh_run_with_the_same_settings(names):
    def create():
        return Run.create("seed", names, model={"n_layer": 2}, train={"num_steps": 12, "seed": 4})

    fresh = [r.loss for r in create().trainer.steps()]
    run = create()
    initial = run.model.flat.copy()
    list(itertools.islice(run.trainer.steps(), 5))
    again = run.restart()
    assert again.trainer.step == 0 and again.model is not run.model
    assert np.array_equal(again.model.flat, initial)
    assert again.dataset is run.dataset and again.model.config == run.model.config
    assert run.trainer.step == 5  # the old run is untouched
    assert [r.loss for r in again.trainer.steps()] == fresh


def test_sample(names):
    run = Run.create("seed", names, sample={"num_samples": 4})
    assert len(run.sample()) == 4
    assert len(run.sample(9)) == 9
    names_with_prefix = run.sample(5, prefix="ma", top_k=2)
    assert all(n.startswith("ma") for n in names_with_prefix)
    with pytest.raises(ConfigError, match="temperature"):
        run.sample(temperature=0)
    with pytest.raises(TokenizerError):
        run.sample(prefix="Ma")


def test_stream(names):
    run = Run.create("seed", names)
    steps = list(run.stream("jo", temperature=0.5))
    assert steps[-1].done and steps[-1].text.startswith("jo")


def test_attention(names):
    run = Run.create("seed", names, model={"n_layer": 2})
    att = run.attention("emma")
    assert att.shape == (2, 4, 5, 5)  # BOS + 4 letters
    np.testing.assert_allclose(att.sum(axis=-1), 1.0, rtol=1e-12)
    assert run.attention("christopher").shape == (2, 4, 8, 8)  # cut to the block


def test_loss_and_grads_for_documents(names):
    run = Run.create("microgpt", names, model={"init_std": 0.3, "zero_init_proj": False})
    loss, grads = run.loss_and_grads(["emma", "zoe"])
    assert set(grads) == set(run.model.params)
    for name, g in grads.items():
        assert g.shape == run.model.params[name].shape
        assert np.abs(g).sum() > 0, name
    b = run.dataset.encode_many(["emma", "zoe"])
    expected_loss, _, dflat = run.model.loss_and_grads(b.idx, b.targets, b.mask)
    assert loss == expected_loss
    np.testing.assert_array_equal(np.concatenate([g.ravel() for g in grads.values()]), dflat)
    # the gradient of one parameter by central differences
    h, (i, j) = 1e-6, (3, 5)
    w = run.model.params["layer0.mlp_fc1"]
    w[i, j] += h
    up = run.loss_and_grads(["emma", "zoe"])[0]
    w[i, j] -= 2 * h
    down = run.loss_and_grads(["emma", "zoe"])[0]
    w[i, j] += h
    assert (up - down) / (2 * h) == pytest.approx(grads["layer0.mlp_fc1"][i, j], rel=1e-6)
    with pytest.raises(TokenizerError, match="'!'"):
        run.loss_and_grads(["emma!"])


def test_load_dataset_sources(tmp_path, names, letters):
    path = tmp_path / "few.txt"
    path.write_text("\n".join(names))
    from_path = load_dataset(path, 8, seed=0)
    from_list = load_dataset(names, 8, seed=0)
    assert from_path.docs == from_list.docs == names
    assert np.array_equal(from_path.val_ids, from_list.val_ids)
    assert (from_path.name, from_list.name) == ("few", "custom")
    assert len(load_dataset(None, 8, seed=0)) == 29_910
    with pytest.raises(DataError, match="vocabulary"):
        load_dataset(["émile"], 8, seed=0, tokenizer=letters)
    with pytest.raises(DataError, match="nope"):
        load_dataset(tmp_path / "nope.txt", 8, seed=0)


def test_load_resumes_on_another_data_path(tmp_path, names):
    path = tmp_path / "few.txt"
    path.write_text("\n".join(names))
    run = Run.create("seed", path, train={"num_steps": 10})
    list(itertools.islice(run.trainer.steps(), 4))
    run.save(tmp_path / "c.npz")
    moved = tmp_path / "moved.txt"
    path.rename(moved)
    with pytest.raises(DataError, match="few.txt"):
        Run.load(tmp_path / "c.npz")  # the recorded data is gone
    resumed = Run.load(tmp_path / "c.npz", data=moved)
    assert resumed.dataset.docs == names and resumed.trainer.step == 4
    assert isinstance(resumed.model, GPT) and resumed.preset == "seed"


def test_load_of_a_run_made_from_a_list_with_the_list(tmp_path, names):
    def create():
        return Run.create("seed", names, train={"num_steps": 9, "seed": 2})

    whole = [r.loss for r in create().trainer.steps()]
    run = create()
    first = [r.loss for r in itertools.islice(run.trainer.steps(), 4)]
    run.save(tmp_path / "c.npz")
    resumed = Run.load(tmp_path / "c.npz", data=names)
    assert first + [r.loss for r in resumed.trainer.steps()] == whole


def test_load_of_a_run_made_from_a_list_never_switches_data_silently(tmp_path, names):
    run = Run.create("seed", names, train={"num_steps": 9})
    run.save(tmp_path / "c.npz")
    try:
        resumed = Run.load(tmp_path / "c.npz")
    except DataError:
        return
    assert resumed.dataset.docs == run.dataset.docs
