"""2-D sliding windows (convolutions, windowed pools): their geometry, resolved once, and its arithmetic.

A windowed kind's geometry (stride with its default, padding with 'same' worked out, dilation, the
dilated spans) depends on the input's height and width. It is resolved once, when the layer's params
are typed against its input (:meth:`SlidingWindow.resolve`), and kept in the params as a
:class:`Window2d`; the shape rule, the cost, the receptive field, explain and the PyTorch builder all
read it from there and never work it out again.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from functools import lru_cache
from typing import ClassVar

from ..errors import SpecError
from ..symbolic import ceil_div
from .base import GEOMETRY, LayerKind, Params, Part, Shape, Window, fmt_shape, spatial, with_geometry

Pad4 = tuple[int, int, int, int]  # top, bottom, left, right


def span(kernel: int, dilation: int) -> int:
    """How many input pixels a dilated kernel covers along one axis."""
    return kernel if dilation == 1 else dilation * (kernel - 1) + 1


def same_padding(size: int, window: int, stride: int) -> tuple[int, int]:
    """TensorFlow/Keras 'same': output ⌈size / stride⌉, the odd pixel of padding after (bottom/right).

    For stride 1 this is also PyTorch's padding='same'.
    """
    out = ceil_div(size, stride)
    total = max((out - 1) * stride + window - size, 0)
    return total // 2, total - total // 2


def resolve_padding(
    padding: str | Pad4, size: tuple[int, int], window: tuple[int, int], stride: tuple[int, int]
) -> Pad4:
    """Four padding values (top, bottom, left, right): 'same' worked out for a ``window``-span window with
    ``stride`` over a ``size`` input, numbers as written. Only window2d calls it for a layer."""
    if padding != "same":
        return padding  # type: ignore[return-value]
    top, bottom = same_padding(size[0], window[0], stride[0])
    left, right = same_padding(size[1], window[1], stride[1])
    return (top, bottom, left, right)


def fmt_padding(pad: Pad4) -> str:
    if len(set(pad)) == 1:
        return str(pad[0])
    if pad[0] == pad[1] and pad[2] == pad[3]:
        return f"[{pad[0]}, {pad[2]}]"
    return "[" + ", ".join(str(p) for p in pad) + "]"


def window_output(size: int, window: int, stride: int, before: int, after: int, ceil_mode: bool) -> int:
    """Output length of a window sliding over a padded axis: ⌊(n + p − f) / s⌋ + 1.

    In ceil mode (PyTorch pools) the division rounds up, but a last window that would start
    in the right padding is dropped, as PyTorch does.
    """
    padded = size if before == 0 and after == 0 else size + (2 * before if before == after else before + after)
    room = padded - window  # n + 2p − f
    if not ceil_mode:
        return room // stride + 1
    out = ceil_div(room, stride) + 1
    if (out - 1) * stride >= size + before:
        out -= 1
    return out


@dataclass(frozen=True, slots=True)
class Window2d:
    """A layer's 2-D window as resolved against its input: the one description every reader uses.

    ``stride`` is the stride in force (a pool's default already applied), ``padding`` the four values
    (top, bottom, left, right) with 'same' already worked out, ``same`` whether it was written 'same'.
    """

    kernel: tuple[int, int]
    stride: tuple[int, int]
    dilation: tuple[int, int]
    padding: Pad4
    same: bool = False

    @property
    def spans(self) -> tuple[int, int]:
        """Input pixels the dilated kernel covers per axis: d·(f − 1) + 1."""
        return (span(self.kernel[0], self.dilation[0]), span(self.kernel[1], self.dilation[1]))

    def output(self, what: str, size: tuple[int, int], ceil_mode: bool = False) -> tuple[int, int]:
        """Output (H, W) of the window sliding over a ``size`` input, or an error saying why it does not fit."""
        pad, window = self.padding, self.spans
        padded = (size[0] + pad[0] + pad[1], size[1] + pad[2] + pad[3])
        if window[0] > padded[0] or window[1] > padded[1]:
            if ceil_mode:  # PyTorch keeps a window that starts inside and hangs over the end: ⌈(n + p − f) / s⌉ + 1
                out = (
                    window_output(size[0], window[0], self.stride[0], pad[0], pad[1], True),
                    window_output(size[1], window[1], self.stride[1], pad[2], pad[3], True),
                )
                if min(out) >= 1:
                    return out
            dilated = f" (dilated span {fmt_shape(window)})" if window != self.kernel else ""
            raise SpecError(
                f"{what} {fmt_shape(self.kernel)}{dilated} does not fit input {fmt_shape(size)} "
                f"with padding {fmt_padding(pad)}",
                expected=f"a {what} no larger than the padded input {fmt_shape(padded)}",
                hint="use padding: same or a smaller " + what,
            )
        return (
            window_output(size[0], window[0], self.stride[0], pad[0], pad[1], ceil_mode),
            window_output(size[1], window[1], self.stride[1], pad[2], pad[3], ceil_mode),
        )

    def field(self) -> Window:
        """How one output reads the input, for receptive fields: the spans, from −padding before."""
        return Window(self.spans, self.stride, (-self.padding[0], -self.padding[2]))

    def padding_note(self) -> str | None:
        """For explain: what 'same' padding resolved to (None when the padding was written as numbers)."""
        if not self.same:
            return None
        top, bottom, left, right = self.padding
        return (
            f"padding 'same' keeps ⌈n / s⌉ outputs: {top} top, {bottom} bottom, {left} left, {right} right "
            "(an odd pixel goes bottom/right, as in TensorFlow)"
        )

    def torch_padding(self) -> tuple[list[Part], tuple[int, int]]:
        """(parts before the layer, the layer's own padding argument) for PyTorch: symmetric padding stays in
        the layer; uneven padding ('same' with an odd total, or four values) becomes a ZeroPad2d in front."""
        top, bottom, left, right = self.padding
        if top == bottom and left == right:
            return [], (top, left)
        return [Part("ZeroPad2d", ((left, right, top, bottom),))], (0, 0)


@lru_cache(maxsize=4096)  # networks repeat a few windows over a few sizes: one object each
def window2d(
    kernel: tuple[int, int],
    stride: tuple[int, int],
    dilation: tuple[int, int],
    padding: str | Pad4,
    size: tuple[int, int],
) -> Window2d:
    """The geometry of a window over a ``size`` input, 'same' padding resolved against it.

    Plain ints only (the cache compares by value, and a formula-carrying Sym equals its int): explain gets
    its formulas by passing the resolved window through symbolic.leaf."""
    spans = (span(kernel[0], dilation[0]), span(kernel[1], dilation[1]))
    return Window2d(kernel, stride, dilation, resolve_padding(padding, size, spans, stride), padding == "same")


class SlidingWindow(LayerKind):
    """A kind that slides a 2-D window over an H×W×C input (kernel, stride, padding, dilation params).

    Its geometry is resolved once (``resolve``) and read from ``p[GEOMETRY]`` by everything else.
    """

    window_word: ClassVar[str] = "kernel"  # how errors call the window ("kernel 5×5 does not fit ...")

    def stride(self, p: Params) -> tuple[int, int]:
        return p["stride"]

    def dilation(self, p: Params) -> tuple[int, int]:
        return p["dilation"]

    def resolve(self, p: Params, inputs: Sequence[Shape]) -> Params:
        h, w, _ = spatial(inputs[0], self.name)
        return with_geometry(p, window2d(p["kernel"], self.stride(p), self.dilation(p), p["padding"], (h, w)))

    def slide(self, p: Params, inputs: Sequence[Shape], ceil_mode: bool = False) -> tuple[int, int]:
        """Output (H, W) of this layer's window over its input."""
        h, w, _ = spatial(inputs[0], self.name)
        return p[GEOMETRY].output(self.window_word, (h, w), ceil_mode)

    def kernel(self, p: Params) -> tuple[int, ...] | None:
        return p["kernel"]

    def window(self, p: Params, inputs: Sequence[Shape], out: Shape) -> Window | None:
        return p[GEOMETRY].field()

    def notes(self, p: Params) -> list[str]:
        note = p[GEOMETRY].padding_note()
        return [] if note is None else [note]
