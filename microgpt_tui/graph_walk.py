"""Small computation graphs built with core's `Value`, walked one backward step at a time.

`example_graph` is the document's `y = (a + b) * c` (section 9); `neuron_graph` is one neuron of
the model, relu(w . x) (squared for relu²), on its three largest terms plus the sum of the rest.
A walk step runs the chain rule at one node, in the order `Value.backward` uses, so the partial
gradients shown after step k are exactly those of a backward pass stopped there (section 15).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

from core.layers import RMS_EPS
from core.value import Value, topological_order

NUDGE = 1e-3


@dataclass(frozen=True)
class Node:
    """One Value of the graph: its name, how it was made, its value and where it came from."""

    name: str
    formula: str  # e.g. "a + b" ("" for an input)
    value: float
    children: tuple[int, ...]  # indices into Graph.nodes
    local: tuple[float, ...]  # d(this)/d(child), recorded at forward time


@dataclass(frozen=True)
class Graph:
    """Nodes children-first (topological order); the last is the output."""

    title: str
    nodes: tuple[Node, ...]
    nudge: tuple[str, float, float] | None = None  # (input, dy numerically, analytic dy/dinput)

    @property
    def steps(self) -> int:
        """Backward steps: one per node."""
        return len(self.nodes)

    def backward_order(self) -> list[int]:
        """Node indices in the order backward visits them (the output first)."""
        return list(reversed(range(len(self.nodes))))

    def grads_after(self, k: int) -> list[float | None]:
        """The gradient each node holds after the first `k` backward steps (None: not reached)."""
        grads: list[float | None] = [None] * len(self.nodes)
        if not self.nodes:
            return grads
        grads[-1] = 1.0  # d out / d out
        for i in self.backward_order()[: max(k, 0)]:
            g = grads[i] or 0.0
            node = self.nodes[i]
            for child, local in zip(node.children, node.local, strict=True):
                grads[child] = (grads[child] or 0.0) + local * g
        return grads


def build(title: str, out: Value, names: dict[int, tuple[str, str]]) -> Graph:
    """The graph of `out`; `names` maps id(value) to (name, formula) for display."""
    order = topological_order(out)
    index = {id(v): i for i, v in enumerate(order)}
    nodes = []
    for v in order:
        name, formula = names.get(id(v), ("?", ""))
        # a Value keeps its children and local gradients for backward (as micrograd's do)
        children = tuple(index[id(c)] for c in v.children)
        nodes.append(Node(name, formula, v.data, children, tuple(v.local_grads)))
    return Graph(title, tuple(nodes))


def _with_nudge(graph: Graph, name: str, f: Callable[[float], float], x: float) -> Graph:
    """`graph` with the derivative of its output for `name` checked by nudging it by NUDGE."""
    numeric = (f(x + NUDGE) - f(x)) / NUDGE
    k = next(i for i, n in enumerate(graph.nodes) if n.name == name)
    analytic = graph.grads_after(graph.steps)[k] or 0.0
    return Graph(graph.title, graph.nodes, (name, numeric, analytic))


def example_graph(a: float = 2.0, b: float = -3.0, c: float = 10.0) -> Graph:
    """The document's y = (a + b) * c."""
    va, vb, vc = Value(a), Value(b), Value(c)
    d = va + vb
    y = d * vc
    names = {
        id(va): ("a", ""),
        id(vb): ("b", ""),
        id(vc): ("c", ""),
        id(d): ("d", "a + b"),
        id(y): ("y", "d × c"),
    }
    graph = build("y = (a + b) × c", y, names)
    return _with_nudge(graph, "a", lambda x: (x + b) * c, a)


def neuron_graph(w: np.ndarray, x: np.ndarray, activation: str, title: str) -> Graph:
    """out = act(w . x) for weights `w` and inputs `x` (C,), on the three largest terms + rest."""
    terms = w * x
    top = [int(i) for i in np.argsort(-np.abs(terms), kind="stable")[:3]]
    rest = float(terms.sum() - terms[top].sum())
    names: dict[int, tuple[str, str]] = {}
    products = []
    for i in top:
        vw, vx = Value(float(w[i])), Value(float(x[i]))
        p = vw * vx
        names[id(vw)], names[id(vx)] = (f"w{i}", ""), (f"x{i}", "")
        names[id(p)] = (f"w{i}x{i}", f"w{i} × x{i}")
        products.append(p)
    v_rest = Value(rest)
    names[id(v_rest)] = ("rest", f"Σ of the other {len(w) - 3} terms")
    p0, p1, p2 = (names[id(p)][0] for p in products)
    s1 = products[0] + products[1]  # the partial sums, each named as it is made
    names[id(s1)] = ("s1", f"{p0} + {p1}")
    s2 = s1 + products[2]
    names[id(s2)] = ("s2", f"s1 + {p2}")
    z = s2 + v_rest
    names[id(z)] = ("z", "s2 + rest")
    r = z.relu()
    names[id(r)] = ("h", "relu(z)")
    out = r**2 if activation == "relu2" else r
    if activation == "relu2":
        names[id(out)] = ("out", "h²")
    graph = build(title, out, names)

    def f(value: float) -> float:
        total = max(float(terms.sum() - terms[top[0]] + w[top[0]] * value), 0.0)
        return total**2 if activation == "relu2" else total

    return _with_nudge(graph, f"x{top[0]}", f, float(x[top[0]]))


def model_neuron(model, trace, layer: int = 0, pos: int = -1) -> Graph:
    """The most active MLP unit of `layer` at `pos` of a `core.trace.Trace`, as a neuron graph."""
    L = trace.layers[layer]
    x_mid = L.x_mid[pos]
    xn = x_mid / np.sqrt((x_mid * x_mid).mean() + RMS_EPS)  # the MLP's RMSNorm
    unit = int(np.argmax(L.hidden[pos]))
    w = model.params[f"layer{layer}.mlp_fc1"][unit]
    act = model.config.activation
    at = pos % len(trace.tokens)
    title = (
        f"one neuron of the model: layer {layer} MLP unit {unit} at position {at}, "
        f"out = {'relu(w·x)²' if act == 'relu2' else 'relu(w·x)'} with x the RMSNormed "
        "residual (its 3 largest terms shown; the rest summed)"
    )
    return neuron_graph(w, xn, act, title)
