"""The inspector's sections: one position of one forward pass (a `core.trace.Trace`), drawn.

Each section is a pure Rich renderable in the order of the transformer's diagram (document
section 27): the embedding, a layer's attention, its MLP, the output and the loss. Every row shows
a value at the chosen position and, at the right, the norm of the gradient of the name's mean loss
that reaches it (the backward pass of the same trace).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
from rich.console import Group
from rich.table import Table
from rich.text import Text

from core.layers import RMS_EPS
from core.trace import Trace

from .probbars import bar
from .strip import NumberStrip, UnitCells

TOP = 5  # next characters listed


@dataclass(frozen=True)
class PassView:
    """A trace and the labels of its tokens (BOS as ·, EOS as ⏎); what the sections draw."""

    trace: Trace
    inputs: tuple[str, ...]  # (T,) label of each input token
    targets: tuple[str, ...]  # (T,) label of each true next token
    vocab: tuple[str, ...]  # (V,) label of every token id
    activation: str  # "relu2" or "relu"
    post_embed_norm: bool

    @property
    def T(self) -> int:
        return len(self.inputs)

    @property
    def n_layer(self) -> int:
        return len(self.trace.layers)


def grad_text(g: float | None) -> Text:
    """A gradient norm for the right-hand column (blank when the value has none of its own)."""
    return Text("" if g is None else f"{g:.2g}", style="dim", justify="right")


def rows_table() -> Table:
    """Three columns: what, its values (16 numbers fit 95 columns), the gradient norm."""
    t = Table(box=None, show_header=False, padding=(0, 1, 0, 0), pad_edge=False, expand=True)
    t.add_column("what", style="bold", no_wrap=True, width=12)
    t.add_column("values", ratio=1)
    t.add_column("grad", no_wrap=True, width=7, justify="right")
    return t


def rms_after(x: np.ndarray) -> tuple[float, float]:
    """The root mean square of `x` (C,) before and after RMSNorm (x / sqrt(mean x^2 + eps))."""
    ms = float((x * x).mean())
    y = x / np.sqrt(ms + RMS_EPS)
    return float(np.sqrt(ms)), float(np.sqrt((y * y).mean()))


def norm_row(t: Table, x: np.ndarray) -> None:
    before, after = rms_after(x)
    t.add_row(
        "RMSNorm",
        Text.assemble(
            "rms ",
            (f"{before:.3f}", "bold"),
            " → ",
            (f"{after:.3f}", "bold"),
            "   x / √(mean x² + 1e-5)",
        ),
        "",
    )


def title_line(view: PassView, pos: int, layer: int, source: str = "") -> Text:
    """The name with the chosen position highlighted, its token ids and what it predicts."""
    tr = view.trace
    out = Text("input ")
    for i, label in enumerate(view.inputs):
        out.append(f" {label} ", style="bold reverse" if i == pos else "")
    out.append(f"   token ids {[int(x) for x in tr.tokens]}", style="dim")
    if source:
        out.append(f"   {source}", style="dim")
    out.append("\nposition ")
    out.append(f"{pos}", style="bold")
    out.append(f" of {view.T}: token {view.inputs[pos]!r} (id {int(tr.tokens[pos])}) ")
    out.append("predicts ")
    out.append(f"{view.targets[pos]!r}", style="bold")
    out.append(f" (id {int(tr.targets[pos])})   ·   layer {layer} of {view.n_layer}")
    out.append("   ·   ‖∂loss/∂value‖ at the right", style="dim")
    return out


def embedding_section(view: PassView, pos: int) -> Table:
    """Token embedding, position embedding and their sum (document sections 4 and 21)."""
    tr, t = view.trace, rows_table()
    label = view.inputs[pos]
    t.add_row(Text(f"wte[{label}]"), NumberStrip(tr.tok_emb[pos]), "")
    t.add_row(Text(f"wpe[{pos}]"), NumberStrip(tr.pos_emb[pos]), "")
    name = "rmsnorm(sum)" if view.post_embed_norm else "x = sum"
    t.add_row(name, NumberStrip(tr.emb[pos]), grad_text(tr.grad_norms["emb"][pos]))
    return t


def attention_section(view: PassView, pos: int, layer: int) -> Group:
    """RMSNorm, every head's q, k, v, scores, weights and output, then the residual (23-26)."""
    L = view.trace.layers[layer]
    g = L.grad_norms
    t = rows_table()
    if layer > 0:
        t.add_row("x in", NumberStrip(L.x_in[pos]), grad_text(g["x_in"][pos]))
    norm_row(t, L.x_in[pos])
    H = L.q.shape[0]
    heads = Table(box=None, padding=(0, 2, 0, 0), expand=True, header_style="bold")
    heads.add_column("", style="bold", no_wrap=True, width=13)
    for h in range(H):
        heads.add_column(f"head {h}", ratio=1)
    past = list(view.inputs[: pos + 1])
    strips = {
        "q": [NumberStrip(L.q[h, pos]) for h in range(H)],
        "k": [NumberStrip(L.k[h, pos]) for h in range(H)],
        "v": [NumberStrip(L.v[h, pos]) for h in range(H)],
        "q·k / √d": [NumberStrip(L.scores[h, pos, : pos + 1], marks=past) for h in range(H)],
        "softmax": [NumberStrip(L.weights[h, pos, : pos + 1], weights=True) for h in range(H)],
        "out Σ w·v": [NumberStrip(L.head_out[h, pos]) for h in range(H)],
    }
    for name, cells in strips.items():
        heads.add_row(name, *cells)
    heads.add_row(
        Text("‖∂‖ q k v out", style="dim"),
        *(
            Text(
                " ".join(f"{g[name][h, pos]:.0e}" for name in ("q", "k", "v", "head_out")),
                style="dim",
            )
            for h in range(H)
        ),
    )
    tail = rows_table()
    tail.add_row("attn out", NumberStrip(L.attn_out[pos]), grad_text(g["attn_out"][pos]))
    tail.add_row("x + attn", NumberStrip(L.x_mid[pos]), grad_text(g["x_mid"][pos]))
    return Group(t, heads, tail)


def mlp_section(view: PassView, pos: int, layer: int) -> Table:
    """RMSNorm, the hidden layer after the activation (units let through), output, residual."""
    L = view.trace.layers[layer]
    g, t = L.grad_norms, rows_table()
    norm_row(t, L.x_mid[pos])
    act = "relu²" if view.activation == "relu2" else "relu"
    n = L.hidden.shape[-1]
    t.add_row(
        f"hidden {act}",
        Group(
            Text.assemble(
                (f"{int(L.active_units[pos])}", "bold"),
                f" of {n} units let through (the rest are 0: ·)",
            ),
            UnitCells(L.hidden[pos]),
        ),
        grad_text(g["hidden"][pos]),
    )
    t.add_row("mlp out", NumberStrip(L.mlp_out[pos]), grad_text(g["mlp_out"][pos]))
    t.add_row("x + mlp", NumberStrip(L.x_out[pos]), grad_text(g["x_out"][pos]))
    return t


def top_next(view: PassView, pos: int, n: int = TOP) -> list[tuple[str, float, float, float]]:
    """The `n` likeliest next tokens at `pos`: (label, logit, exp(logit - max), probability)."""
    tr = view.trace
    z = tr.logits[pos]
    order = np.argsort(-tr.probs[pos], kind="stable")[:n]
    top = float(z.max())
    return [
        (view.vocab[i], float(z[i]), float(np.exp(z[i] - top)), float(tr.probs[pos, i]))
        for i in order
    ]


def output_section(view: PassView, pos: int, bar_width: int = 24) -> Group:
    """Logits over the vocabulary, softmax's top five, the true next token and its loss."""
    tr, t = view.trace, rows_table()
    t.add_row(
        "logits",
        NumberStrip(tr.logits[pos], marks=list(view.vocab)),
        grad_text(tr.grad_norms["logits"][pos]),
    )
    probs = Table(box=None, padding=(0, 2, 0, 0), header_style="bold")
    for name in ("next", "logit z", "e^(z−max)", "p = softmax", ""):
        probs.add_column(name, justify="right" if name and name != "next" else "left")
    target = view.targets[pos]
    for label, z, e, p in top_next(view, pos):
        style = "bold reverse" if label == target else ""
        probs.add_row(
            Text(label, style=style), f"{z:+.3f}", f"{e:.3f}", f"{p:.3f}", bar(p, bar_width)
        )
    p_true = float(tr.probs[pos, int(tr.targets[pos])])
    loss = float(tr.losses[pos])
    verdict = Text.assemble(
        "true next ",
        (repr(target), "bold"),
        f": p = {p_true:.4f}   loss = −ln p = ",
        (f"{loss:.4f}", "bold"),
        f"   (the name's mean loss {tr.loss:.4f}, a uniform guess ln {len(view.vocab)} = "
        f"{np.log(len(view.vocab)):.2f})",
    )
    return Group(t, probs, verdict)


def labels_of(ids: Sequence[int], vocab: Sequence[str]) -> tuple[str, ...]:
    """The label of each token id."""
    return tuple(vocab[int(i)] for i in ids)
