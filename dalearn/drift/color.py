"""Batched colour adjustments with one factor per image (images ``[N, C, H, W]`` in [0, 1]).

Each function matches torchvision's single-image ``adjust_*`` for the same factor, but takes a
factor tensor of shape ``[N]`` so that a whole batch is adjusted in one vectorised call.
``C`` is 1 (grayscale) or 3 (RGB). Outputs are clamped to [0, 1].

- brightness: ``out = f · x``;
- contrast: ``out = f · x + (1 − f) · mean(gray(x))`` (mean over the whole image);
- saturation: ``out = f · x + (1 − f) · gray(x)``, gray = 0.299 R + 0.587 G + 0.114 B;
- hue: in HSV, ``h ← (h + shift) mod 1``.

On grayscale input saturation and hue are the identity: a gray pixel (R = G = B) has zero
saturation and no hue, so the RGB formulas applied to a gray image return it unchanged; the
grayscale path gives exactly what the RGB path gives on the image repeated to three channels.
"""

from __future__ import annotations

import torch
from torch import Tensor

_LUMA = (0.299, 0.587, 0.114)


def _per_image(values: Tensor, images: Tensor) -> Tensor:
    """Reshape a ``[N]`` parameter to ``[N, 1, 1, 1]`` in the images' dtype and device."""
    return values.to(dtype=images.dtype, device=images.device).view(-1, 1, 1, 1)


def grayscale(images: Tensor) -> Tensor:
    """Luma ``0.299 R + 0.587 G + 0.114 B`` as ``[N, 1, H, W]``; grayscale input is returned as is."""
    if images.shape[1] == 1:
        return images
    r, g, b = images.unbind(dim=1)
    return (_LUMA[0] * r + _LUMA[1] * g + _LUMA[2] * b).unsqueeze(1)


def _blend(images: Tensor, other: Tensor, factors: Tensor) -> Tensor:
    """``f · x + (1 − f) · other`` clamped to [0, 1]."""
    f = _per_image(factors, images)
    return (f * images + (1.0 - f) * other).clamp_(0.0, 1.0)


def adjust_brightness(images: Tensor, factors: Tensor) -> Tensor:
    """Scale intensities by a per-image factor ``f ≥ 0`` (0 → black, 1 → unchanged)."""
    return (images * _per_image(factors, images)).clamp_(0.0, 1.0)


def adjust_contrast(images: Tensor, factors: Tensor) -> Tensor:
    """Blend each image with its mean gray level (0 → flat gray, 1 → unchanged)."""
    mean = grayscale(images).mean(dim=(1, 2, 3), keepdim=True)
    return _blend(images, mean, factors)


def adjust_saturation(images: Tensor, factors: Tensor) -> Tensor:
    """Blend each RGB image with its grayscale version (0 → gray, 1 → unchanged)."""
    if images.shape[1] == 1:
        return images.clone()
    return _blend(images, grayscale(images), factors)


def rgb_to_hsv(images: Tensor) -> Tensor:
    """RGB ``[N, 3, H, W]`` → HSV with h, s, v in [0, 1] (h = 0 where the pixel is gray)."""
    r, g, b = images.unbind(dim=1)
    maxc, _ = images.max(dim=1)
    minc, _ = images.min(dim=1)
    delta = maxc - minc
    gray = delta == 0
    safe_delta = torch.where(gray, torch.ones_like(delta), delta)
    s = torch.where(maxc > 0, delta / torch.where(maxc > 0, maxc, torch.ones_like(maxc)), torch.zeros_like(maxc))
    rc = (maxc - r) / safe_delta
    gc = (maxc - g) / safe_delta
    bc = (maxc - b) / safe_delta
    h = torch.where(maxc == r, bc - gc, torch.where(maxc == g, 2.0 + rc - bc, 4.0 + gc - rc))
    h = torch.where(gray, torch.zeros_like(h), (h / 6.0) % 1.0)
    return torch.stack((h, s, maxc), dim=1)


def hsv_to_rgb(hsv: Tensor) -> Tensor:
    """HSV ``[N, 3, H, W]`` (all in [0, 1]) → RGB, the inverse of :func:`rgb_to_hsv`."""
    h, s, v = hsv.unbind(dim=1)
    h6 = h * 6.0
    sector = torch.floor(h6)
    f = h6 - sector
    sector = sector.long() % 6
    p = v * (1.0 - s)
    q = v * (1.0 - s * f)
    t = v * (1.0 - s * (1.0 - f))
    r_choices = torch.stack((v, q, p, p, t, v), dim=1)
    g_choices = torch.stack((t, v, v, q, p, p), dim=1)
    b_choices = torch.stack((p, p, t, v, v, q), dim=1)
    index = sector.unsqueeze(1)
    rgb = [c.gather(1, index) for c in (r_choices, g_choices, b_choices)]
    return torch.cat(rgb, dim=1)


def adjust_hue(images: Tensor, shifts: Tensor) -> Tensor:
    """Rotate the hue of each RGB image by ``shift`` turns (``shift`` in [−0.5, 0.5])."""
    if images.shape[1] == 1:
        return images.clone()
    hsv = rgb_to_hsv(images)
    h = (hsv[:, 0] + _per_image(shifts, images)[:, 0]) % 1.0
    hsv = torch.stack((h, hsv[:, 1], hsv[:, 2]), dim=1)
    return hsv_to_rgb(hsv).clamp_(0.0, 1.0)
