"""Reading documents, the seeded split, padded batches and the per-epoch training order."""

import numpy as np
import pytest

from core.data import DataError, Dataset, bundled_names_path, read_docs
from core.tokenizer import BOS, EOS


def write(tmp_path, data: bytes, name="docs.txt"):
    path = tmp_path / name
    path.write_bytes(data)
    return path


def test_read_docs_strips_and_skips_blank_lines(tmp_path):
    path = write(tmp_path, b"  emma \n\n\t\nolivia\t\n   \nava")
    assert read_docs(path) == ["emma", "olivia", "ava"]


def test_read_docs_handles_crlf_and_a_bom(tmp_path):
    path = write(tmp_path, "\ufeffemma\r\nolivia\r\n\r\nava\r\n".encode())
    assert read_docs(path) == ["emma", "olivia", "ava"]


@pytest.mark.parametrize(
    "data, words",
    [
        (b"", "no documents"),
        (b"\n  \n\t\r\n", "no documents"),
        (b"emma\n\xff\xfeolivia\n", "UTF-8"),
        (b"emma\x00olivia\n", "NUL"),
    ],
    ids=["empty", "blank-only", "invalid-utf8", "nul-bytes"],
)
def test_read_docs_refuses_unusable_files(tmp_path, data, words):
    path = write(tmp_path, data)
    with pytest.raises(DataError, match=words) as e:
        read_docs(path)
    assert str(path) in str(e.value)


def test_read_docs_refuses_a_missing_path_and_a_directory(tmp_path):
    missing = tmp_path / "nope.txt"
    with pytest.raises(DataError, match="not found") as e:
        read_docs(missing)
    assert str(missing) in str(e.value)
    with pytest.raises(DataError, match="directory") as e:
        read_docs(tmp_path)
    assert str(tmp_path) in str(e.value)


def test_split_is_deterministic_disjoint_and_sized_like_makemore(make_dataset):
    docs = [f"{a}{b}" for a in "abcdefghij" for b in "abcdefghijklmnopqrstuvwxyz"]  # 260 docs
    ds = make_dataset(docs, seed=7)
    again = make_dataset(docs, seed=7)
    other = make_dataset(docs, seed=8)
    assert len(ds.val_ids) == 26
    assert np.array_equal(ds.val_ids, again.val_ids)
    assert not np.array_equal(ds.val_ids, other.val_ids)
    assert set(ds.val_ids).isdisjoint(ds.train_ids)
    assert sorted(set(ds.val_ids) | set(ds.train_ids)) == list(range(len(docs)))


def test_validation_is_capped_at_1000():
    docs = [f"d{i}" for i in range(12_345)]
    ds = Dataset(docs, 8)
    assert (len(ds.val_ids), len(ds.train_ids)) == (1000, 11_345)


@pytest.mark.parametrize("batch_size", [1, 3, 4])
def test_an_epoch_covers_the_training_split_and_never_validation(make_dataset, batch_size):
    ds = make_dataset()
    n = len(ds.train_ids)
    per_epoch = n // batch_size
    for epoch in range(2):
        seen = np.concatenate(
            [
                ds.train_batch_ids(epoch * per_epoch + k, batch_size, seed=3)
                for k in range(per_epoch)
            ]
        )
        # a batch size that does not divide the split drops the remainder of each epoch
        assert len(seen) == len(set(seen)) == per_epoch * batch_size
        assert set(seen) <= set(ds.train_ids)
        if n % batch_size == 0:
            assert sorted(seen) == sorted(ds.train_ids)


def test_epochs_are_shuffled_differently_and_reproducibly(make_dataset):
    ds = make_dataset()
    assert np.array_equal(ds.train_order(0, seed=1), ds.train_order(0, seed=1))
    assert not np.array_equal(ds.train_order(0, seed=1), ds.train_order(1, seed=1))
    assert not np.array_equal(ds.train_order(0, seed=1), ds.train_order(0, seed=2))


def test_batch_pads_masks_and_shifts_targets(make_dataset, letters):
    ds = make_dataset(["emma", "bo", "christopher"], block_size=8)
    b = ds.batch(np.array([0, 1]))
    # emma: BOS e m m a -> e m m a EOS, 5 predictions; bo: 3 predictions, padded to 5
    assert b.idx.shape == b.targets.shape == b.mask.shape == (2, 5)
    assert b.docs == ("emma", "bo")
    assert b.mask.tolist() == [[True] * 5, [True] * 3 + [False] * 2]
    full = [letters.encode("emma"), letters.encode("bo")]
    assert b.idx[0].tolist() == full[0][:-1]
    assert b.targets[0].tolist() == full[0][1:]
    assert b.idx[1, :3].tolist() == full[1][:-1]
    assert b.targets[1, :3].tolist() == full[1][1:]
    # inputs are BOS then the targets shifted right by one
    assert (b.idx[:, 0] == BOS).all()
    assert np.array_equal(b.idx[:, 1:][b.mask[:, 1:]], b.targets[:, :-1][b.mask[:, 1:]])


def test_long_documents_are_cut_to_the_block_and_lose_eos(make_dataset, letters):
    ds = make_dataset(["emma", "benjamin", "christopher", "abcdefg"], block_size=8)
    assert ds.num_cut == 2  # 8 and 11 letters; 7 letters + EOS still fit
    b = ds.batch(np.arange(4))
    assert b.idx.shape == (4, 8)
    assert b.mask.sum(axis=1).tolist() == [5, 8, 8, 8]
    assert b.targets[1].tolist() == letters.encode("benjamin", bos=False, eos=False)
    assert EOS not in b.targets[2].tolist()
    assert b.targets[3, -1] == EOS


def test_encode_many_uses_the_datasets_tokenizer(make_dataset, letters):
    ds = make_dataset()
    b = ds.encode_many(["zoe", "al"])
    assert b.targets[0, :4].tolist() == letters.encode("zoe")[1:]
    assert b.mask.sum() == 4 + 3


def test_bundled_names():
    path = bundled_names_path()
    assert path.is_file()
    ds = Dataset.from_path(path, 8)
    docs = path.read_text(encoding="utf-8").split()
    assert len(ds) == 29_910 == len(docs)
    assert ds.vocab_size == 28
    assert ds.num_cut == sum(len(d) >= 8 for d in docs)
    assert (len(ds.val_ids), len(ds.train_ids)) == (1000, 28_910)
