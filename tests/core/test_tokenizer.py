"""The character tokenizer: ids of the document's example, round trips, errors, JSON."""

import json
import string

import pytest
from hypothesis import given
from hypothesis import strategies as st

from core.data import bundled_names_path, read_docs
from core.tokenizer import BOS, EOS, Tokenizer, TokenizerError


@pytest.fixture(scope="module")
def names_tokenizer() -> Tokenizer:
    return Tokenizer.from_docs(read_docs(bundled_names_path()))


def test_bundled_names_give_the_documents_example(names_tokenizer):
    assert names_tokenizer.vocab_size == 28
    assert names_tokenizer.encode("emma") == [0, 6, 14, 14, 2, 1]


def test_ids_are_bos_eos_then_sorted_characters():
    tok = Tokenizer("cab")
    assert (BOS, EOS) == (0, 1)
    assert tok.chars == ("a", "b", "c")
    assert tok.encode("abc") == [BOS, 2, 3, 4, EOS]
    assert tok.encode("abc", bos=False, eos=False) == [2, 3, 4]
    assert Tokenizer.from_docs(["cab", "bb"]) == tok


def test_decode_inverts_encode(names_tokenizer):
    for name in ("emma", "zyx", "a", ""):
        assert names_tokenizer.decode(names_tokenizer.encode(name)) == name


def test_unknown_character_is_named():
    tok = Tokenizer(string.ascii_lowercase)
    with pytest.raises(TokenizerError, match="'É'"):
        tok.encode("Émile")


def test_decode_rejects_ids_outside_the_vocabulary():
    tok = Tokenizer("ab")
    with pytest.raises(TokenizerError, match="4"):
        tok.decode([2, 4])


def test_token_str():
    tok = Tokenizer("ab")
    assert [tok.token_str(i) for i in range(tok.vocab_size)] == ["<BOS>", "<EOS>", "a", "b"]


def test_json_round_trip():
    tok = Tokenizer("zebra-é ")
    again = Tokenizer.from_json(json.loads(json.dumps(tok.to_json())))
    assert again == tok
    assert again.encode("bé z") == tok.encode("bé z")


def test_multi_character_entries_are_refused():
    with pytest.raises(TokenizerError):
        Tokenizer(["ab", "c"])


VOCAB = "abcxyz-é'"


@given(st.text(alphabet=VOCAB, max_size=40))
def test_round_trip_property(text):
    tok = Tokenizer(VOCAB)
    ids = tok.encode(text)
    assert ids[0] == BOS and ids[-1] == EOS
    assert all(2 <= i < tok.vocab_size for i in ids[1:-1])
    assert tok.decode(ids) == text
