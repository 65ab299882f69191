"""The scalar engine: every op's value and gradient, shared nodes and a very deep graph."""

import math

import pytest

from core.value import Value, graph_size, topological_order


def check(f, *xs, tol=1e-7):
    """f on Values against f on floats, and its Value gradients against central differences."""
    vs = [Value(x) for x in xs]
    out = f(*vs)
    assert out.data == pytest.approx(f(*xs), rel=1e-12, abs=1e-12)
    out.backward()
    h = 1e-6
    for i, v in enumerate(vs):
        up = list(xs)
        down = list(xs)
        up[i] += h
        down[i] -= h
        numeric = (f(*up) - f(*down)) / (2 * h)
        assert v.grad == pytest.approx(numeric, rel=tol, abs=tol), f"input {i}"


@pytest.mark.parametrize(
    "f, xs",
    [
        (lambda a, b: a + b, (1.5, -2.0)),
        (lambda a: a + 3.0, (1.5,)),
        (lambda a: 3.0 + a, (1.5,)),
        (lambda a, b: a - b, (1.5, -2.0)),
        (lambda a: a - 3.0, (1.5,)),
        (lambda a: 3.0 - a, (1.5,)),
        (lambda a, b: a * b, (1.5, -2.0)),
        (lambda a: a * 3.0, (1.5,)),
        (lambda a: 3.0 * a, (1.5,)),
        (lambda a, b: a / b, (1.5, -2.0)),
        (lambda a: a / 4.0, (1.5,)),
        (lambda a: 3.0 / a, (1.5,)),
        (lambda a: -a, (1.5,)),
        (lambda a: a**2, (-1.5,)),
        (lambda a: a**3, (-1.5,)),
        (lambda a: a**-0.5, (2.5,)),
        (lambda a: a**0.5, (2.5,)),
        (lambda a: a.exp() if isinstance(a, Value) else math.exp(a), (0.7,)),
        (lambda a: a.log() if isinstance(a, Value) else math.log(a), (0.7,)),
        (lambda a, b, c: (a * b + c) / (a - c) ** 2, (0.3, -1.2, 2.0)),
    ],
)
def test_op_value_and_gradient(f, xs):
    check(f, *xs)


def test_hand_computed_gradients():
    a, b = Value(2.0), Value(-3.0)
    y = a * b + b**2  # dy/da = b = -3, dy/db = a + 2b = -4
    y.backward()
    assert y.data == 3.0
    assert (a.grad, b.grad) == (-3.0, -4.0)


def test_a_node_shows_its_children_and_local_gradients():
    a, b = Value(2.0), Value(-3.0)
    y = a * b  # dy/da = b, dy/db = a, recorded when y is computed
    assert y.children == (a, b) and y.local_grads == (-3.0, 2.0)
    z = y + 1.0  # a constant is folded in: one child
    assert z.children == (y,) and z.local_grads == (1.0,)
    assert a.children == () and a.local_grads == ()


@pytest.mark.parametrize("x, value, grad", [(2.5, 2.5, 1.0), (-2.5, 0.0, 0.0), (0.0, 0.0, 0.0)])
def test_relu_both_sides(x, value, grad):
    v = Value(x)
    out = v.relu()
    out.backward()
    assert (out.data, v.grad) == (value, grad)


def test_node_used_twice_accumulates():
    x = Value(3.0)
    y = x * x + x  # dy/dx = 2x + 1
    y.backward()
    assert y.data == 12.0
    assert x.grad == 7.0


def test_shared_intermediate_is_propagated_once():
    x = Value(0.5)
    s = x.exp()  # s feeds two paths; its grad must be complete before it reaches x
    y = s * s + s.log()  # = e^{2x} + x, dy/dx = 2e^{2x} + 1
    y.backward()
    assert x.grad == pytest.approx(2 * math.exp(1.0) + 1.0, rel=1e-14)


def test_topological_order_puts_children_first():
    a, b = Value(1.0), Value(2.0)
    c = a * b
    d = c + a
    y = d * c
    order = topological_order(y)
    at = {id(n): i for i, n in enumerate(order)}
    assert len(order) == 5
    for node in order:
        assert all(at[id(child)] < at[id(node)] for child in node.children)


def test_graph_size_counts_each_node_once():
    x = Value(1.0)
    y = x * x + x  # x, x*x, (x*x)+x
    assert graph_size(y) == 3
    assert y.backward() == 3


def test_backward_is_iterative_on_a_very_deep_chain():
    x = Value(1.0)
    y = x
    n = 100_000
    for _ in range(n):
        y = y * 1.0  # each node depends on the one before: a path 100,000 deep
    assert y.backward() == n + 1
    assert x.grad == 1.0


def test_pow_of_value_is_refused():
    with pytest.raises(TypeError):
        Value(2.0) ** Value(3.0)
