"""Tensor backends, as far as pyhf scripts use them.

histfactory evaluates every likelihood in its Rust engine; the backend only decides what
type arrays come back as. This step provides the NumPy backend (pyhf's default);
``set_backend("numpy")`` and ``set_backend(numpy_backend())`` are accepted.
"""

import numpy as np


class numpy_backend:
    """pyhf's NumPy tensor backend: float64 arrays, the functions scripts call."""

    name = "numpy"
    precision = "64b"

    def __init__(self, **kwargs):
        """Accepts pyhf's ``precision`` keyword; only ``"64b"`` is supported."""
        precision = kwargs.pop("precision", "64b")
        if precision != "64b":
            from .exceptions import InvalidBackend

            raise InvalidBackend(
                f"precision {precision!r}: histfactory evaluates in 64-bit floats only"
            )
        self.dtypemap = {"float": np.float64, "int": np.int64, "bool": np.bool_}

    def __repr__(self):
        return "histfactory.tensor.numpy_backend()"

    def __eq__(self, other):
        return isinstance(other, numpy_backend)

    def __hash__(self):
        return hash(self.name)

    def astensor(self, tensor_in, dtype="float"):
        """``tensor_in`` as an array of ``dtype`` (``"float"``, ``"int"`` or ``"bool"``)."""
        try:
            dtype = self.dtypemap[dtype]
        except KeyError:
            raise KeyError(f"invalid dtype {dtype!r}: expected float, int or bool") from None
        return np.asarray(tensor_in, dtype=dtype)

    def tolist(self, tensor_in):
        """Nested Python lists (or a scalar) from an array."""
        return np.asarray(tensor_in).tolist()

    def concatenate(self, sequence, axis=0):
        """Joins arrays along ``axis``."""
        return np.concatenate([np.asarray(s) for s in sequence], axis=axis)

    def shape(self, tensor):
        """The shape as a tuple."""
        return np.shape(tensor)

    def reshape(self, tensor, newshape):
        """``tensor`` with shape ``newshape``."""
        return np.reshape(tensor, newshape)

    def ones(self, shape, dtype="float"):
        """An array of ones."""
        return np.ones(shape, dtype=self.dtypemap[dtype])

    def zeros(self, shape, dtype="float"):
        """An array of zeros."""
        return np.zeros(shape, dtype=self.dtypemap[dtype])

    def stack(self, sequence, axis=0):
        """Stacks arrays along a new ``axis``."""
        return np.stack(sequence, axis=axis)

    def sum(self, tensor_in, axis=None):
        """Sum over ``axis``."""
        return np.sum(tensor_in, axis=axis)

    def product(self, tensor_in, axis=None):
        """Product over ``axis``."""
        return np.prod(tensor_in, axis=axis)

    def abs(self, tensor):
        """Element-wise absolute value."""
        return np.abs(tensor)

    def exp(self, tensor_in):
        """Element-wise exponential."""
        return np.exp(tensor_in)

    def log(self, tensor_in):
        """Element-wise natural logarithm."""
        return np.log(tensor_in)

    def sqrt(self, tensor_in):
        """Element-wise square root."""
        return np.sqrt(tensor_in)

    def power(self, tensor_in_1, tensor_in_2):
        """Element-wise power."""
        return np.power(tensor_in_1, tensor_in_2)

    def where(self, mask, tensor_in_1, tensor_in_2):
        """Elements of the first tensor where ``mask``, else of the second."""
        return np.where(mask, tensor_in_1, tensor_in_2)

    def clip(self, tensor_in, min_value, max_value):
        """Values clipped to ``[min_value, max_value]``."""
        return np.clip(tensor_in, min_value, max_value)

    def isfinite(self, tensor):
        """Element-wise finiteness."""
        return np.isfinite(tensor)

    def einsum(self, subscripts, *operands):
        """Einstein summation."""
        return np.einsum(subscripts, *operands)

    def tile(self, tensor_in, repeats):
        """Repeats ``tensor_in`` along each axis."""
        return np.tile(tensor_in, repeats)

    def outer(self, tensor_in_1, tensor_in_2):
        """Outer product."""
        return np.outer(tensor_in_1, tensor_in_2)

    def to_numpy(self, tensor_in):
        """The array as a NumPy array."""
        return np.asarray(tensor_in)


__all__ = ["numpy_backend"]
