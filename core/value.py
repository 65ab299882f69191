"""The document's scalar autograd engine: a `Value` remembers its children and local gradients.

Every operation records d(out)/d(child) when it runs, so `backward` is one loop over the graph.
"""

from __future__ import annotations

import math


class Value:
    """One scalar in a computation graph, with the gradient of the output with respect to it."""

    __slots__ = ("data", "grad", "_children", "_local_grads")

    def __init__(
        self,
        data: float,
        children: tuple[Value, ...] = (),
        local_grads: tuple[float, ...] = (),
    ) -> None:
        self.data = float(data)
        self.grad = 0.0
        self._children = children  # the Values this one was computed from
        self._local_grads = local_grads  # d(self)/d(child) for each child, at forward time

    def __repr__(self) -> str:
        return f"Value(data={self.data:.6g}, grad={self.grad:.6g})"

    @property
    def children(self) -> tuple[Value, ...]:
        """The Values this one was computed from (the document's `_children`), read-only."""
        return self._children

    @property
    def local_grads(self) -> tuple[float, ...]:
        """d(self)/d(child) for each child, as recorded in the forward pass, read-only."""
        return self._local_grads

    # Constants (int, float) are folded into the node, not wrapped in Values of their own.

    def __add__(self, other: Value | float) -> Value:
        if isinstance(other, Value):
            return Value(self.data + other.data, (self, other), (1.0, 1.0))
        return Value(self.data + other, (self,), (1.0,))

    def __radd__(self, other: float) -> Value:
        return Value(other + self.data, (self,), (1.0,))

    def __sub__(self, other: Value | float) -> Value:
        if isinstance(other, Value):
            return Value(self.data - other.data, (self, other), (1.0, -1.0))
        return Value(self.data - other, (self,), (1.0,))

    def __rsub__(self, other: float) -> Value:
        return Value(other - self.data, (self,), (-1.0,))

    def __mul__(self, other: Value | float) -> Value:
        if isinstance(other, Value):
            return Value(self.data * other.data, (self, other), (other.data, self.data))
        return Value(self.data * other, (self,), (float(other),))

    def __rmul__(self, other: float) -> Value:
        return Value(other * self.data, (self,), (float(other),))

    def __truediv__(self, other: Value | float) -> Value:
        if isinstance(other, Value):
            # a / b: d/da = 1/b, d/db = -a/b^2
            b = other.data
            return Value(self.data / b, (self, other), (1.0 / b, -self.data / (b * b)))
        return Value(self.data / other, (self,), (1.0 / other,))

    def __rtruediv__(self, other: float) -> Value:
        # c / a: d/da = -c/a^2
        a = self.data
        return Value(other / a, (self,), (-other / (a * a),))

    def __neg__(self) -> Value:
        return Value(-self.data, (self,), (-1.0,))

    def __pow__(self, k: float) -> Value:
        if isinstance(k, Value):
            raise TypeError("Value ** Value is not supported; the exponent must be a constant")
        return Value(self.data**k, (self,), (k * self.data ** (k - 1),))

    def exp(self) -> Value:
        e = math.exp(self.data)
        return Value(e, (self,), (e,))

    def log(self) -> Value:
        return Value(math.log(self.data), (self,), (1.0 / self.data,))

    def relu(self) -> Value:
        positive = self.data > 0
        return Value(self.data if positive else 0.0, (self,), (1.0 if positive else 0.0,))

    def backward(self) -> int:
        """Set this node's grad to 1 and add d(self)/d(node) into every node's grad.

        Leaf gradients accumulate across calls (zero them between steps). Returns the number
        of nodes in the graph, which is free here and worth showing.
        """
        order = topological_order(self)
        self.grad = 1.0
        for node in reversed(order):  # every node comes after all the nodes it was made from
            g = node.grad
            for child, local in zip(node._children, node._local_grads, strict=True):
                child.grad += local * g  # chain rule; a child used twice gets both terms
        return len(order)


def topological_order(root: Value) -> list[Value]:
    """Every node reachable from `root`, children before parents (iterative DFS, no recursion)."""
    order: list[Value] = []
    visited: set[Value] = set()
    stack: list[tuple[Value, bool]] = [(root, False)]
    while stack:
        node, expanded = stack.pop()
        if expanded:  # all its children are in `order` already
            order.append(node)
            continue
        if node in visited:
            continue
        visited.add(node)
        stack.append((node, True))
        for child in node._children:
            if child not in visited:
                stack.append((child, False))
    return order


def graph_size(root: Value) -> int:
    """How many Value nodes the graph of `root` holds (inputs and parameters included)."""
    return len(topological_order(root))
