"""The trainer generator: determinism, resuming, records, validation, divergence, and the
figures the issue promises on the bundled names."""

import dataclasses
import itertools
import math

import numpy as np
import pytest

import core.scalar_gpt
import core.train
from core.config import ConfigError, TrainConfig
from core.model import GPT, padded_drop
from core.optim import lr_at
from core.presets import PRESETS
from core.run import Run
from core.train import Trainer


@pytest.fixture
def make_trainer(make_dataset):
    """A fresh seed-preset trainer on the small a-z dataset (block 8)."""

    def make(seed=0, dropout=0.0, **train) -> Trainer:
        ds = make_dataset(seed=seed)
        cfg = dataclasses.replace(PRESETS["seed"].model, vocab_size=ds.vocab_size, dropout=dropout)
        model = GPT.init(cfg, np.random.default_rng(seed))
        config = TrainConfig(**{"num_steps": 30, "seed": seed, "eval_every": 0, **train})
        return Trainer(model, ds, config)

    return make


def losses(trainer):
    return [rec.loss for rec in trainer.steps()]


def test_same_seed_same_losses_bitwise(make_trainer):
    a, b = losses(make_trainer(seed=3)), losses(make_trainer(seed=3))
    assert len(a) == 30
    assert a == b


def test_different_seed_different_losses(make_trainer):
    assert losses(make_trainer(seed=3)) != losses(make_trainer(seed=4))


def clone_of(trainer: Trainer) -> Trainer:
    """A new trainer on copies of `trainer`'s state (model, optimizer, step)."""
    return Trainer(
        trainer.model.copy(),
        trainer.dataset,
        trainer.config,
        optimizer=trainer.optimizer.copy(),
        step=trainer.step,
    )


def test_stop_and_continue_equals_uninterrupted(make_trainer):
    whole = losses(make_trainer(seed=5, batch_size=2))
    trainer = make_trainer(seed=5, batch_size=2)
    first = [rec.loss for rec in itertools.islice(trainer.steps(), 11)]
    assert trainer.step == 11 and not trainer.done
    # a new generator on the same trainer, and a new trainer on copies of its state
    second = [rec.loss for rec in itertools.islice(trainer.steps(), 7)]
    clone = clone_of(trainer)
    assert first + second + losses(trainer) == whole
    assert first + second + losses(clone) == whole


def test_dropout_is_seeded_and_resumes_exactly(make_trainer):
    """The masks of a step depend on (seed, step) alone: the same run twice, or stopped and
    continued on copies of its state, gives the same losses bit for bit."""
    whole = losses(make_trainer(seed=5, batch_size=2, dropout=0.2))
    assert whole == losses(make_trainer(seed=5, batch_size=2, dropout=0.2))
    assert whole != losses(make_trainer(seed=5, batch_size=2))
    trainer = make_trainer(seed=5, batch_size=2, dropout=0.2)
    first = [rec.loss for rec in itertools.islice(trainer.steps(), 11)]
    clone = clone_of(trainer)
    assert first + losses(clone) == whole


@pytest.mark.parametrize("batch_size", [1, 3])
def test_a_dropout_step_uses_its_masks_and_evaluation_none(make_trainer, batch_size):
    """Each step's loss is the reference loss under `dropout_masks(step, ids)`; the validation
    loss is the model's plain loss."""
    trainer = make_trainer(dropout=0.3, batch_size=batch_size, num_steps=4, eval_every=2)
    ds = trainer.dataset
    assert len(ds.val_ids) > 0  # else no step evaluates
    evaluated = []
    for step in range(4):
        before = trainer.model.copy()
        ids = trainer.batch_ids(step)
        b = ds.batch(ids)
        drop = trainer.dropout_masks(step, ids)
        assert drop.shape == (3, b.mask.sum(), 16)
        assert 0.2 < (drop == 0).mean() < 0.4
        loss, _, grad = before.reference_loss_and_grads(
            b.idx, b.targets, b.mask, padded_drop(drop, b.mask)
        )
        rec = next(trainer.steps())
        assert rec.loss == pytest.approx(loss, rel=1e-10)
        assert rec.grad_norm == pytest.approx(np.linalg.norm(grad), rel=1e-10)
        if rec.val_loss is not None:
            val = ds.batch(ds.val_ids)
            plain = trainer.model.loss(val.idx, val.targets, val.mask)[0]
            assert rec.val_loss == pytest.approx(plain, rel=1e-12)
            evaluated.append(rec.step)
    assert evaluated == [2, 4]  # every eval_every = 2 steps (4 is also the last)
    assert make_trainer().dropout_masks(0, trainer.batch_ids(0)) is None


def test_records(make_trainer):
    trainer = make_trainer(num_steps=12, batch_size=2, eval_every=5, lr=0.02)
    ds = trainer.dataset
    records = []
    for _ in range(12):
        before = trainer.model.copy()
        rec = next(trainer.steps())
        records.append(rec)
        # the record describes the step's batch, measured before the update
        b = ds.encode_many(rec.docs)
        loss, per_position = before.loss(b.idx, b.targets, b.mask)
        assert rec.loss == pytest.approx(loss, rel=1e-12)
        assert rec.tokens == b.mask.sum()
        n_first = b.mask[0].sum()
        assert len(rec.position_losses) == n_first
        np.testing.assert_allclose(rec.position_losses, per_position[0, :n_first], rtol=1e-10)
        assert len(rec.docs) == 2
    assert [r.step for r in records] == list(range(1, 13))
    assert all(r.total_steps == 12 for r in records)
    assert [r.lr for r in records] == [lr_at(t, 0.02, 12) for t in range(12)]
    assert all(a.lr > b.lr > 0 for a, b in itertools.pairwise(records))
    assert all(math.isfinite(r.grad_norm) and r.grad_norm > 0 for r in records)
    assert not any(r.diverged for r in records)
    assert [r.step for r in records if r.val_loss is not None] == [5, 10, 12]
    assert trainer.done and list(trainer.steps()) == []
    # the final validation loss is the model's mean loss over every validation token
    val = ds.batch(ds.val_ids)
    assert records[-1].val_loss == pytest.approx(
        trainer.model.loss(val.idx, val.targets, val.mask)[0], rel=1e-12
    )


def test_evaluation_in_chunks_is_token_weighted(make_trainer, monkeypatch):
    trainer = make_trainer()
    ds = trainer.dataset
    ids = ds.train_ids[:10]  # lengths differ, so an unweighted mean of chunks would differ
    whole = ds.batch(ids)
    expected = trainer.model.loss(whole.idx, whole.targets, whole.mask)[0]
    monkeypatch.setattr(core.train, "EVAL_CHUNK", 3)
    assert trainer.evaluate(ids) == pytest.approx(expected, rel=1e-12)
    assert trainer.last_val_loss == trainer.evaluate(ids)


def test_records_are_immutable(make_trainer):
    rec = next(make_trainer().steps())
    with pytest.raises(AttributeError):
        rec.loss = 0.0
    assert isinstance(rec.docs, tuple) and isinstance(rec.position_losses, tuple)


def test_validation_names_are_never_trained_on(make_trainer):
    trainer = make_trainer(num_steps=80, batch_size=3)  # 27 train docs: about 9 epochs
    ds = trainer.dataset
    val_docs = {ds.docs[i] for i in ds.val_ids}
    assert len(val_docs) == 3
    trained = {doc for rec in trainer.steps() for doc in rec.docs}
    assert trained.isdisjoint(val_docs)
    assert trained == {ds.docs[i] for i in ds.train_ids}


def test_no_validation_split_gives_no_val_loss(make_dataset):
    ds = make_dataset(["emma", "bo", "zoe"])
    assert len(ds.val_ids) == 0
    cfg = dataclasses.replace(PRESETS["seed"].model, vocab_size=28)
    trainer = Trainer(GPT.init(cfg, np.random.default_rng(0)), ds, TrainConfig(num_steps=4))
    assert all(rec.val_loss is None for rec in trainer.steps())


@pytest.mark.filterwarnings("ignore::RuntimeWarning")
def test_a_huge_learning_rate_diverges_and_keeps_the_last_finite_parameters(make_trainer):
    trainer = make_trainer(num_steps=50, lr=1e50)
    records = []
    while not trainer.done:
        before = trainer.model.flat.copy()
        adam_t = trainer.optimizer.t
        records.append(next(trainer.steps()))
    last = records[-1]
    assert last.diverged and len(records) < 50
    assert not any(r.diverged for r in records[:-1])
    assert all(math.isfinite(r.loss) for r in records[:-1])
    assert trainer.diverged_at == last.step == len(records)
    assert trainer.step == len(records) - 1
    np.testing.assert_array_equal(trainer.model.flat, before)
    assert np.isfinite(trainer.model.flat).all()
    assert trainer.optimizer.t == adam_t
    assert list(trainer.steps()) == []


@pytest.mark.filterwarnings("ignore::RuntimeWarning")
def test_a_nan_in_the_weights_diverges_without_an_update(make_trainer):
    trainer = make_trainer()
    list(itertools.islice(trainer.steps(), 3))
    trainer.model.params["layer0.attn_wq"][1, 2] = np.nan
    before = trainer.model.flat.copy()
    m, v = trainer.optimizer.m.copy(), trainer.optimizer.v.copy()
    rec = next(trainer.steps())
    assert rec.diverged and rec.step == 4 and rec.val_loss is None
    assert trainer.done and trainer.step == 3
    np.testing.assert_array_equal(trainer.model.flat, before)  # NaN compares equal here
    np.testing.assert_array_equal(trainer.optimizer.m, m)
    np.testing.assert_array_equal(trainer.optimizer.v, v)


def test_extend_continues_the_run(make_trainer):
    trainer = make_trainer(num_steps=10)
    assert len(losses(trainer)) == 10 and trainer.done
    trainer.extend(15)
    more = list(trainer.steps())
    assert [r.step for r in more] == [11, 12, 13, 14, 15]
    assert all(r.total_steps == 15 for r in more)
    assert more[-1].val_loss is not None
    with pytest.raises(ConfigError, match="num_steps"):
        trainer.extend(12)


def test_mismatched_model_and_data_are_refused(make_dataset):
    ds = make_dataset()
    cfg = dataclasses.replace(PRESETS["seed"].model, vocab_size=29)
    with pytest.raises(ConfigError, match="vocab_size"):
        Trainer(GPT.init(cfg, np.random.default_rng(0)), ds, TrainConfig())
    cfg = dataclasses.replace(cfg, vocab_size=28, block_size=16)
    with pytest.raises(ConfigError, match="block_size"):
        Trainer(GPT.init(cfg, np.random.default_rng(0)), ds, TrainConfig())
    cfg = dataclasses.replace(cfg, block_size=8)
    with pytest.raises(ConfigError, match="batch_size"):
        Trainer(GPT.init(cfg, np.random.default_rng(0)), ds, TrainConfig(batch_size=28))


def test_the_scalar_engine_trains_like_numpy(make_dataset, monkeypatch):
    calls = []
    scalar = core.scalar_gpt.scalar_batch_loss_and_grads

    def counted(*args):
        calls.append(1)
        return scalar(*args)

    monkeypatch.setattr(core.scalar_gpt, "scalar_batch_loss_and_grads", counted)
    ds = make_dataset(block_size=4)
    cfg = dataclasses.replace(
        PRESETS["seed"].model, vocab_size=28, block_size=4, n_embd=4, n_head=2, init_std=0.3
    )
    runs = []
    for engine in ("numpy", "scalar"):
        model = GPT.init(cfg, np.random.default_rng(0))
        trainer = Trainer(model, ds, TrainConfig(num_steps=3, batch_size=2, engine=engine))
        runs.append(([r.loss for r in trainer.steps()], model.flat))
    (np_losses, np_flat), (sc_losses, sc_flat) = runs
    assert len(calls) == 3
    assert sc_losses == pytest.approx(np_losses, rel=1e-9)
    np.testing.assert_allclose(sc_flat, np_flat, rtol=1e-8, atol=1e-12)


def test_the_scalar_engine_refuses_dropout(make_trainer):
    with pytest.raises(ConfigError, match="dropout 0.1 is not supported by the scalar engine"):
        make_trainer(dropout=0.1, engine="scalar")
    trainer = make_trainer(dropout=0.1)
    with pytest.raises(ConfigError, match="scalar engine"):
        trainer.reconfigure(engine="scalar")  # as a resume may ask
    assert trainer.step == 0 and trainer.config.engine == "numpy"
    trainer = make_trainer(engine="scalar")
    with pytest.raises(ConfigError, match="scalar engine"):
        trainer.reconfigure(dropout=0.1)
    assert trainer.model.config.dropout == 0


def test_reconfigure_refuses_the_seed_and_adams_constants(make_trainer):
    """The seed drew the validation split and Adam's state was made with its betas and eps:
    changing them on a started run would leak validation names or rescale the moments."""
    trainer = make_trainer()
    before = trainer.config
    for change in ({"seed": before.seed + 1}, {"beta1": 0.5}, {"beta2": 0.9}, {"eps": 1e-6}):
        with pytest.raises(ConfigError, match=next(iter(change))):
            trainer.reconfigure(**change)
    assert trainer.config == before
    trainer.reconfigure(seed=before.seed, beta1=before.beta1, lr=0.003)  # the same: fine
    assert trainer.config.lr == 0.003


def test_reconfigure_switches_the_engine_and_checks_like_a_new_trainer(make_trainer):
    """A resumed run may change its settings: the next step uses them, and a setting a new
    trainer would refuse is refused (nothing changed)."""
    trainer = make_trainer()
    trainer.train_step()
    assert trainer.last_graph_size is None
    trainer.reconfigure(engine="scalar", lr=0.005)
    rec = trainer.train_step()
    assert trainer.last_graph_size > 0 and rec.lr == pytest.approx(0.005 * (1 - 1 / 30))
    with pytest.raises(ConfigError, match="larger than the training split"):
        trainer.reconfigure(batch_size=10**6)
    assert trainer.config.batch_size == 1 and trainer.config.engine == "scalar"
    trainer.reconfigure(engine="numpy", dropout=0.2)
    assert trainer.dropout_masks(0, trainer.batch_ids(0)) is not None  # the next steps drop
    assert not trainer.train_step().diverged and trainer.model.config.dropout == 0.2


@pytest.mark.parametrize("preset, bound", [("seed", 2.62), ("microgpt", 2.42)])
def test_the_issues_figures_on_the_bundled_names(preset, bound):
    run = Run.create(preset, train={"seed": 42})
    assert run.trainer.config.num_steps == 1000
    records = list(run.trainer.steps())
    assert len(records) == 1000 and not records[-1].diverged
    assert np.mean([r.loss for r in records[-100:]]) < bound
    assert records[0].loss == pytest.approx(math.log(28), abs=0.1)
