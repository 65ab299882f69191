"""The map of the concepts: the 29 sections of the document (seed/PREREQUISITES.md), each with
the keys that show it in the running app, the app action that goes there, and what one sees.

`keys` are pressed from the dashboard, in order (Textual key names, space separated); `action`
is what the concept screen runs on enter; `place` says where one lands (checked by the tests):
"inspector:<section>", "views:<tab>", "dashboard:<panel>" or "does:<what>".
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Concept:
    number: int
    title: str
    keys: str
    action: str
    place: str
    shows: str

    @property
    def key_display(self) -> str:
        """The keys as a person types them (a panel's digit matters in narrow terminals only)."""
        keys = " then ".join(self.keys.split())
        return f"{keys} (panel)" if self.place.startswith("dashboard:") else keys


def _c(number: int, title: str, keys: str, action: str, place: str, shows: str) -> Concept:
    return Concept(number, title, keys, action, place, shows)


CONCEPTS: tuple[Concept, ...] = (
    _c(1, "Functions", "i", "inspect('embedding')", "inspector:embedding",
       "the model as one function: a name goes in at the top, probabilities come out below"),
    _c(2, "Exponents", "i", "inspect('output')", "inspector:output",
       "the e^(z−max) column: every logit exponentiated, all positive, the largest dominating"),
    _c(3, "Logarithms", "i", "inspect('output')", "inspector:output",
       "loss = −ln p of the true next character: near 0 when p is near 1, large when p is small"),
    _c(4, "Vectors", "i", "inspect('embedding')", "inspector:embedding",
       "16-number strips: wte[char] + wpe[pos] = x, added element by element"),
    _c(5, "Matrices and Matrix Multiplication", "i", "inspect('attention')",
       "inspector:attention",
       "q, k and v = W·x for each head, attn out = attn_wo · heads (shapes in Parameters)"),
    _c(6, "Probability Basics", "s", "sample", "does:sample",
       "the next-character probabilities as bars (summing to 1) while a name is drawn"),
    _c(7, "Derivatives", "v 5", "views('graph')", "views:graph",
       "nudge a by 0.001 and y moves by 0.01: dy/da ≈ 10, as backprop computes"),
    _c(8, "The Chain Rule", "v 5", "views('graph')", "views:graph",
       "each gradient = the parent's gradient × the local derivative (10 × 1 for a)"),
    _c(9, "Computation Graphs and Automatic Differentiation", "v 4", "views('scalar')",
       "views:scalar",
       "x: one step on the Value engine, the nodes it built, the same loss and gradient as NumPy"),
    _c(10, "What Is a Neural Network?", "i", "inspect('mlp')", "inspector:mlp",
       "a layer: matrix (mlp_fc1), nonlinearity (relu²), matrix (mlp_fc2), added back"),
    _c(11, "Parameters and Weights", "2", "panel(1)", "dashboard:params",
       "the Parameters panel: every tensor with its shape and count, 3,648 in all"),
    _c(12, "The Forward Pass", "i", "inspect('')", "inspector:",
       "one forward pass of the name, position by position (← →), from input to loss"),
    _c(13, "Loss Functions", "1", "panel(0)", "dashboard:loss",
       "the Loss panel: loss, its average and val falling from ln(28) = 3.33"),
    _c(14, "Gradient Descent", "n", "step", "does:step",
       "n (paused) takes exactly one step downhill: the step count and loss change"),
    _c(15, "Backpropagation", "v 5", "views('graph')", "views:graph",
       "→ walks y = (a + b) × c backward node by node; g: a neuron of the model"),
    _c(16, "Learning Rate", "v 2", "views('health')", "views:health",
       "the schedule lr = 0.01 × (1 − t/T) with the current step marked"),
    _c(17, "The Adam Optimizer", "v 2", "views('health')", "views:health",
       "Adam's bias corrections now, and each tensor's update / weight per step"),
    _c(18, "Activation Functions", "i", "inspect('mlp')", "inspector:mlp",
       "relu²: how many of the 64 hidden units are let through (the rest are 0)"),
    _c(19, "Softmax", "i", "inspect('output')", "inspector:output",
       "logits → probabilities summing to 1 (and each head's softmax row above)"),
    _c(20, "Tokenization", "i", "inspect('')", "inspector:",
       "the name as token ids: BOS = 0, emma → 0 6 14 14 2, EOS = 1"),
    _c(21, "Embeddings", "v 1", "views('embeddings')", "views:embeddings",
       "the token embeddings on their two main axes, vowels coloured, moving as it trains"),
    _c(22, "Sequence Models and Language Modeling", "v 3", "views('positions')",
       "views:positions",
       "the current name's prediction tasks (given … → next) and the loss of each"),
    _c(23, "Attention", "3", "panel(2)", "dashboard:attention",
       "the Attention panel: each position's weights over the past (w: your own word)"),
    _c(24, "Multi-Head Attention", "h", "head(1)", "does:head",
       "h moves between the heads: 4 heads, 4 dimensions each, each its own pattern"),
    _c(25, "Residual Connections", "i", "inspect('attention')", "inspector:attention",
       "x + attn and x + mlp: each block's output added to its input"),
    _c(26, "Normalization", "i", "inspect('attention')", "inspector:attention",
       "RMSNorm: the root mean square before (e.g. 0.4) and after (1.00)"),
    _c(27, "The Transformer Architecture", "i", "inspect('')", "inspector:",
       "the sections in the diagram's order: embedding, attention, MLP, output (↑ ↓ layers)"),
    _c(28, "Autoregressive Generation", "s", "sample", "does:sample",
       "s draws a name one character at a time, each fed back in for the next"),
    _c(29, "Putting It All Together", "space", "toggle_pause", "does:pause",
       "space runs the loop: pick a name, forward, loss, backward, Adam, repeat; then s"),
)  # fmt: skip
