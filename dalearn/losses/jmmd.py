"""JAN's joint multiple-kernel MMD (Long et al., 2017), with the adversarial Θ variant."""

from __future__ import annotations

from typing import Optional, Sequence

import torch
from torch import nn

from dalearn.losses._checks import check_pair
from dalearn.losses.mmd_estimators import DEFAULT_ESTIMATOR, check_estimator, is_linear, linear_mmd, quadratic_mmd
from dalearn.nn.grl import GradientReverseLayer


class Theta(nn.Module):
    """Adversarial layer of JAN-A: GRL → Linear(dim, dim) initialised to the identity → GRL.

    The forward value is Θz. The two reversals cancel for the feature extractor (it still
    minimises the JMMD), while Θ's own parameters receive the reversed gradient and so
    *maximise* the JMMD, making the kernel embedding adversarial.
    """

    def __init__(self, dim: int) -> None:
        super().__init__()
        self.grl1 = GradientReverseLayer()
        self.grl2 = GradientReverseLayer()
        self.layer1 = nn.Linear(dim, dim)
        nn.init.eye_(self.layer1.weight)
        nn.init.zeros_(self.layer1.bias)

    def forward(self, features: torch.Tensor) -> torch.Tensor:
        return self.grl2(self.layer1(self.grl1(features)))


class JointMultipleKernelMaximumMeanDiscrepancy(nn.Module):
    r"""JMMD² over several layers: the joint kernel is the elementwise product over layers of
    each layer's summed kernels,

    .. math::
        K = \prod_{l} \Big(\sum_u k^l_u(z^l, z'^l)\Big),

    plugged into the same estimators as :class:`MultipleKernelMaximumMeanDiscrepancy`.
    JAN uses layers (f, softmax(y)): five Gaussians on f (DAN bandwidths) and one fixed
    σ = 0.92 Gaussian on the predictions.

    Args:
        kernels: ``kernels[l]`` is the sequence of kernel modules of layer l.
        linear: the DALIB flag for the O(n) linear-time estimator (DALIB's default is True,
            kept; the JAN recipe uses the quadratic one); ``estimator='linear'`` also selects it.
        thetas: optional :class:`Theta` modules, one per layer (adversarial JAN).
        estimator: ``'unbiased'`` (default), ``'biased'`` (quadratic only) or ``'linear'`` —
            the vocabulary shared with :mod:`dalearn.metrics`
            (:mod:`dalearn.losses.mmd_estimators`) — or ``'reference'`` (DALIB value, +2/(n−1)).

    Shape: z_s, z_t tuples of (N, F_l) tensors, one per layer → scalar.

    Example:
        >>> from dalearn.nn import GaussianKernel
        >>> jmmd = JointMultipleKernelMaximumMeanDiscrepancy(
        ...     ([GaussianKernel(alpha=a) for a in (0.5, 1.0, 2.0)],
        ...      [GaussianKernel(sigma=0.92, track_running_stats=False)]), linear=False)
        >>> f_s, f_t = torch.randn(8, 32), torch.randn(8, 32)
        >>> p_s, p_t = torch.randn(8, 5).softmax(1), torch.randn(8, 5).softmax(1)
        >>> jmmd((f_s, p_s), (f_t, p_t)).shape
        torch.Size([])
    """

    def __init__(
        self,
        kernels: Sequence[Sequence[nn.Module]],
        linear: bool = True,
        thetas: Optional[Sequence[nn.Module]] = None,
        estimator: str = DEFAULT_ESTIMATOR,
    ) -> None:
        super().__init__()
        if not kernels or any(len(layer) == 0 for layer in kernels):
            raise ValueError("JMMD needs at least one kernel for every layer")
        self.kernels = nn.ModuleList(nn.ModuleList(layer) for layer in kernels)
        if thetas is None:
            thetas = [nn.Identity() for _ in kernels]
        if len(thetas) != len(kernels):
            raise ValueError(f"got {len(thetas)} thetas for {len(kernels)} layers")
        self.thetas = nn.ModuleList(thetas)
        self.estimator = check_estimator(estimator, linear)
        self.linear = is_linear(estimator, linear)

    def forward(self, z_s: Sequence[torch.Tensor], z_t: Sequence[torch.Tensor]) -> torch.Tensor:
        if len(z_s) != len(self.kernels) or len(z_t) != len(self.kernels):
            raise ValueError(
                f"expected {len(self.kernels)} layers for source and target, got {len(z_s)} and {len(z_t)}"
            )
        n_s, n_t = z_s[0].size(0), z_t[0].size(0)
        kernel_matrix: Optional[torch.Tensor] = None
        for layer, (zl_s, zl_t, layer_kernels, theta) in enumerate(zip(z_s, z_t, self.kernels, self.thetas)):
            check_pair(f"z_s[{layer}]", zl_s, f"z_t[{layer}]", zl_t, same_batch=self.linear)
            if zl_s.size(0) != n_s or zl_t.size(0) != n_t:
                raise ValueError(
                    f"every layer needs the same batch sizes: layer 0 has ({n_s}, {n_t}), "
                    f"layer {layer} has ({zl_s.size(0)}, {zl_t.size(0)})"
                )
            features = theta(torch.cat([zl_s, zl_t], dim=0))
            layer_matrix = sum(kernel(features) for kernel in layer_kernels)
            kernel_matrix = layer_matrix if kernel_matrix is None else kernel_matrix * layer_matrix
        if self.linear:
            return linear_mmd(kernel_matrix, n_s, self.estimator)
        return quadratic_mmd(kernel_matrix, n_s, n_t, self.estimator)
