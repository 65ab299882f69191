"""A computation graph as a tree from its output, with each node's value and the gradient it
holds after k backward steps; the node whose turn is next is highlighted (section 15).
"""

from __future__ import annotations

from rich.console import Console, ConsoleOptions, RenderResult
from rich.table import Table
from rich.text import Text

from ..graph_walk import NUDGE, Graph

NAME_W = 9


def _num(x: float | None) -> str:
    return "·" if x is None else f"{x:.4g}"


class GraphWalk:
    """`graph` after `k` backward steps (0: nothing propagated yet; graph.steps: done)."""

    def __init__(self, graph: Graph, k: int, *, current_style: str = "bold reverse") -> None:
        self.graph = graph
        self.k = min(max(k, 0), graph.steps)
        self.current_style = current_style

    def _rows(self) -> list[tuple[str, int, int | None]]:
        """(tree prefix, node, parent) depth first from the output."""
        nodes, rows = self.graph.nodes, []

        def visit(i: int, prefix: str, last: bool, parent: int | None, top: bool) -> None:
            branch = "" if top else ("└ " if last else "├ ")
            rows.append((prefix + branch, i, parent))
            kids = nodes[i].children
            inner = prefix + ("" if top else ("  " if last else "│ "))
            for n, c in enumerate(kids):
                visit(c, inner, n == len(kids) - 1, i, False)

        if nodes:
            visit(len(nodes) - 1, "", True, None, True)
        return rows

    def __rich_console__(self, console: Console, options: ConsoleOptions) -> RenderResult:
        g, k = self.graph, self.k
        order = g.backward_order()
        done = set(order[:k])
        grads = g.grads_after(k)
        final = g.grads_after(g.steps)
        current = order[k] if k < len(order) else None
        out_name = g.nodes[-1].name if g.nodes else "y"
        t = Table(box=None, padding=(0, 2, 0, 0), header_style="bold")
        t.add_column("node", no_wrap=True)
        t.add_column("value", justify="right")
        t.add_column(f"∂{out_name}/∂node", justify="right")
        t.add_column("chain rule: ∂out/∂parent × local ∂parent/∂node")
        for prefix, i, parent in self._rows():
            node = g.nodes[i]
            label = f"{node.name} = {node.formula}" if node.formula else node.name
            style = self.current_style if i == current else ""
            chain = ""
            if parent is None:
                chain = f"start: ∂{out_name}/∂{out_name} = 1"
            elif parent in done:
                p = g.nodes[parent]
                local = p.local[p.children.index(i)]
                chain = f"{_num(final[parent])} × {_num(local)} (∂{p.name}/∂{node.name})"
            t.add_row(
                Text.assemble((prefix, "dim"), (label, style)),
                f"{node.value:.4g}",
                _num(grads[i]),
                Text(chain, style="dim"),
            )
        yield Text(g.title, style="bold")
        yield t
        yield Text("")
        if current is None:
            yield Text(f"step {k}/{g.steps}: done — every node holds ∂{out_name}/∂node.")
        else:
            node = g.nodes[current]
            kids = ", ".join(g.nodes[c].name for c in node.children) or "nothing (an input)"
            yield Text.assemble(
                f"step {k}/{g.steps}: next ",
                (node.name, "bold"),
                f" passes its gradient {_num(final[current])} on to {kids}",
            )
        if g.nudge:
            name, numeric, analytic = g.nudge
            yield Text.assemble(
                f"check: nudge {name} by {NUDGE:g} and {out_name} moves by ",
                f"{numeric * NUDGE:.4g}: Δ{out_name}/Δ{name} ≈ ",
                (f"{numeric:.4f}", "bold"),
                f"; backprop says ∂{out_name}/∂{name} = ",
                (f"{analytic:.4f}", "bold"),
                style="dim" if k < g.steps else "",
            )
