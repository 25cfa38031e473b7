"""Small PyTorch modules for the layer kinds torch.nn has no module for (merges, slices, channels-last ops).

Their source is copied into the code `costcalc torch` generates, so that code runs on its own.
"""

from __future__ import annotations

import torch
from torch import nn


class Add(nn.Module):
    """Elementwise sum of all inputs (residual connections)."""

    def forward(self, *xs: torch.Tensor) -> torch.Tensor:
        out = xs[0]
        for x in xs[1:]:
            out = out + x
        return out


class Multiply(nn.Module):
    """Elementwise product with broadcasting; a flat (N, C) input scales an (N, C, H, W) one (squeeze-excite)."""

    def forward(self, *xs: torch.Tensor) -> torch.Tensor:
        rank = max(x.dim() for x in xs)
        out = None
        for x in xs:
            while x.dim() < rank:  # channels-last broadcasting, in NCHW: C -> C×1×1
                x = x.unsqueeze(-1)
            out = x if out is None else out * x
        return out


class Concat(nn.Module):
    """Concatenation along the channels."""

    def forward(self, *xs: torch.Tensor) -> torch.Tensor:
        return torch.cat(xs, dim=1)


class ChannelSlice(nn.Module):
    """Channels start .. stop-1 of the input, every step-th."""

    def __init__(self, start: int, stop: int, step: int = 1) -> None:
        super().__init__()
        self.start, self.stop, self.step = start, stop, step

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return x[:, self.start : self.stop : self.step]


class ChannelsLastLinear(nn.Linear):
    """nn.Linear over the channels of an NCHW tensor at each position (as on a channels-last tensor)."""

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return super().forward(x.permute(0, 2, 3, 1)).permute(0, 3, 1, 2)


class ChannelsLastLayerNorm(nn.LayerNorm):
    """nn.LayerNorm over the channels of an NCHW tensor at each position (ConvNeXt's LayerNorm2d)."""

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return super().forward(x.permute(0, 2, 3, 1)).permute(0, 3, 1, 2)


class LayerScale(nn.Module):
    """A learned scale per channel, initialised to `init` (ConvNeXt's layer scale)."""

    def __init__(self, channels: int, init: float = 1e-6) -> None:
        super().__init__()
        self.scale = nn.Parameter(torch.full((channels,), float(init)))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return x * self.scale.view(-1, *([1] * (x.dim() - 2)))  # C, or C×1×1 against NCHW


class StochasticDepth(nn.Module):
    """Drop path, as torchvision.ops.StochasticDepth: while training, zero a sample's ("row") or the whole
    batch's ("batch") branch with probability p and scale what survives by 1 / (1 − p); identity in eval."""

    def __init__(self, p: float, mode: str = "row") -> None:
        super().__init__()
        self.p, self.mode = p, mode

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        if not self.training or self.p == 0.0:
            return x
        survival = 1.0 - self.p
        shape = [x.shape[0]] + [1] * (x.dim() - 1) if self.mode == "row" else [1] * x.dim()
        noise = torch.empty(shape, dtype=x.dtype, device=x.device).bernoulli_(survival)
        return x * noise.div_(survival) if survival > 0.0 else x * noise


class Crop(nn.Module):
    """The height × width window at (top, left) of the first input; a second input (the size to match) is
    not read."""

    def __init__(self, top: int, left: int, height: int, width: int) -> None:
        super().__init__()
        self.top, self.left, self.height, self.width = top, left, height, width

    def forward(self, x: torch.Tensor, *like: torch.Tensor) -> torch.Tensor:
        return x[:, :, self.top : self.top + self.height, self.left : self.left + self.width]


# helpers of the kinds added for ONNX models (costcalc/layers/math_ops.py, reshaping.py)
from ..onnx.torch_parts import (  # noqa: E402, F401
    Clip,
    ConcatStored,
    Elementwise,
    Gather,
    Hardmax,
    MatMul,
    Pad,
    Reduce,
    Reshape,
    Stored,
    Transpose,
    Unary,
)
