"""Placeholder until the shift task lands: a scalar example."""
from tinygrad_lite import Value
a = Value(2.0, label="a"); b = Value(-3.0, label="b")
c = (a * b + a.exp()).tanh(); c.backward()
print(c, a, b)
