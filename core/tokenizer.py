"""Character tokenizer: BOS = 0, EOS = 1, then the dataset's sorted unique characters from 2.

On the bundled names: 28 tokens and encode("emma") == [0, 6, 14, 14, 2, 1] (document section 20).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence

BOS = 0
EOS = 1
SPECIALS = 2


class TokenizerError(ValueError):
    """Text the tokenizer cannot encode; the message names the character."""


class Tokenizer:
    """Maps characters to ids and back; `chars` is the sorted character vocabulary."""

    def __init__(self, chars: Iterable[str]) -> None:
        self.chars: tuple[str, ...] = tuple(sorted(set(chars)))
        if any(len(c) != 1 for c in self.chars):
            raise TokenizerError("every vocabulary entry must be a single character")
        self._ids = {c: i + SPECIALS for i, c in enumerate(self.chars)}

    @classmethod
    def from_docs(cls, docs: Iterable[str]) -> Tokenizer:
        """The tokenizer whose vocabulary is every character in `docs`."""
        chars: set[str] = set()
        for doc in docs:
            chars.update(doc)
        return cls(chars)

    @property
    def vocab_size(self) -> int:
        return len(self.chars) + SPECIALS

    def encode(self, text: str, *, bos: bool = True, eos: bool = True) -> list[int]:
        """Token ids of `text`, framed by BOS and EOS unless told otherwise."""
        ids = [BOS] if bos else []
        for ch in text:
            try:
                ids.append(self._ids[ch])
            except KeyError:
                raise TokenizerError(
                    f"character {ch!r} (U+{ord(ch):04X}) is not in the vocabulary"
                ) from None
        if eos:
            ids.append(EOS)
        return ids

    def decode(self, ids: Sequence[int]) -> str:
        """The text of `ids`; BOS and EOS are dropped."""
        out = []
        for i in ids:
            i = int(i)
            if i in (BOS, EOS):
                continue
            if not SPECIALS <= i < self.vocab_size:
                raise TokenizerError(
                    f"token id {i} is outside the vocabulary (size {self.vocab_size})"
                )
            out.append(self.chars[i - SPECIALS])
        return "".join(out)

    def token_str(self, i: int) -> str:
        """A printable label for one token: the character, or <BOS> / <EOS>."""
        if i == BOS:
            return "<BOS>"
        if i == EOS:
            return "<EOS>"
        return self.chars[i - SPECIALS]

    def to_json(self) -> dict:
        return {"chars": "".join(self.chars)}

    @classmethod
    def from_json(cls, data: dict) -> Tokenizer:
        return cls(data["chars"])

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Tokenizer) and self.chars == other.chars

    def __hash__(self) -> int:
        return hash(self.chars)

    def __repr__(self) -> str:
        return f"Tokenizer(vocab_size={self.vocab_size}, chars={''.join(self.chars)!r})"
