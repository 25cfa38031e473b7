"""Small PyTorch modules for the layer kinds torch.nn has no module for (merges and channel slices).

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
    """Channels start .. stop-1 of the input."""

    def __init__(self, start: int, stop: int) -> None:
        super().__init__()
        self.start, self.stop = start, stop

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return x[:, self.start : self.stop]
