"""Sliding-window arithmetic shared by convolutions and pools: padding and output sizes."""

from __future__ import annotations

from ..errors import SpecError
from ..symbolic import ceil_div
from .base import fmt_shape

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
    if padding == "same":
        top, bottom = same_padding(size[0], window[0], stride[0])
        left, right = same_padding(size[1], window[1], stride[1])
        return (top, bottom, left, right)
    return padding  # type: ignore[return-value]


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


def slide(
    what: str,
    size: tuple[int, int],
    window: tuple[int, int],
    stride: tuple[int, int],
    pad: Pad4,
    ceil_mode: bool = False,
    kernel: tuple[int, int] | None = None,
) -> tuple[int, int]:
    """Output (H, W) of a 2-D window, or an error saying why the window does not fit."""
    padded = (size[0] + pad[0] + pad[1], size[1] + pad[2] + pad[3])
    if window[0] > padded[0] or window[1] > padded[1]:
        shown = fmt_shape(kernel or window)
        dilated = f" (dilated span {fmt_shape(window)})" if kernel and kernel != window else ""
        raise SpecError(
            f"{what} {shown}{dilated} does not fit input {fmt_shape(size)} with padding {fmt_padding(pad)}",
            expected=f"a {what} no larger than the padded input {fmt_shape(padded)}",
            hint="use padding: same or a smaller " + what,
        )
    return (
        window_output(size[0], window[0], stride[0], pad[0], pad[1], ceil_mode),
        window_output(size[1], window[1], stride[1], pad[2], pad[3], ceil_mode),
    )
