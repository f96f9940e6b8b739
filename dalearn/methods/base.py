"""The shared base of every method: optimisation, schedule, evaluation, logging, history.

A method subclass states only what differs (DomainBed style): it builds its modules in
``__init__`` and implements :meth:`DomainAdaptationModule.compute_losses` for one training
iteration, returning a dict with ``loss`` (what is minimised), ``cls_loss``, ``transfer_loss``
and optionally ``domain_acc``. Everything else lives here:

- parameter groups — backbone at ``backbone_lr_mult × lr``, the rest at ``lr`` (the method's
  :meth:`parameter_groups` lists extra modules such as discriminators);
- SGD with Nesterov momentum and the per-iteration schedule lr_i = lr · (1 + γ·i)^(−decay);
- evaluation on every loader of the DataModule's ``eval_roles``: top-1 accuracy and
  mean-per-class accuracy (torchmetrics, synchronised across processes);
- the gradient-reversal warm start (:meth:`DomainAdaptationModule.warm_start_grl`): a method
  asks for one, the base logs its coefficient ``train/grl_coeff`` every logged iteration;
- training logs (``train/loss``, ``train/cls_loss``, ``train/transfer_loss``,
  ``train/domain_acc``, ``train/grl_coeff``) written only on the iterations whose values
  Lightning passes to the logger (every ``trainer.log_every_n_steps``): a ``self.log`` call
  costs about 0.3–0.5 ms, which is 5–15 % of a LeNet step when paid every iteration for
  values that are then dropped (benchmarks/results/overhead.md);
- the per-epoch ``history`` that model selection reads, saved inside checkpoints so that a
  resumed run selects over its whole life;
- a clear stop on a non-finite loss, checked every iteration.
"""

from __future__ import annotations

import functools
from typing import Any, Callable, Mapping, Optional

import lightning as L
import torch
import torch.nn.functional as F
from torch import nn
from torchmetrics.classification import MulticlassAccuracy

from dalearn.nn import WarmStartGradientReverseLayer

ROLE_PREFIX = {"target_val": ("val", "tgt"), "target_test": ("test", "tgt"), "source_val": ("val", "src")}
DEFAULT_OPTIM = {
    "lr": 0.01, "momentum": 0.9, "weight_decay": 1e-3, "nesterov": True,
    "lr_gamma": 1e-3, "lr_decay": 0.75, "backbone_lr_mult": 0.1,
}


class DomainAdaptationModule(L.LightningModule):
    """Base LightningModule for unsupervised domain adaptation methods.

    Args:
        backbone: feature extractor with ``out_features``.
        num_classes: number of classes C.
        optim: optimiser settings (keys of ``DEFAULT_OPTIM``).
        trade_off: weight of the transfer loss.
    """

    name = "base"
    #: Log the training values on every iteration instead of only on logging iterations
    #: (the progress bar then refreshes them every step, at the cost described above).
    log_train_every_step = False

    def __init__(self, backbone: nn.Module, num_classes: int, optim: Optional[Mapping[str, Any]] = None, trade_off: float = 1.0) -> None:
        super().__init__()
        unknown = set(optim or {}) - set(DEFAULT_OPTIM)
        if unknown:
            raise ValueError(f"unknown optim keys {sorted(unknown)}; expected {sorted(DEFAULT_OPTIM)}")
        self.optim = {**DEFAULT_OPTIM, **dict(optim or {})}
        self.backbone = backbone
        self.num_classes = num_classes
        self.trade_off = float(trade_off)
        self.history: list[dict[str, float]] = []
        self.grl: Optional[WarmStartGradientReverseLayer] = None
        self.eval_metrics = nn.ModuleDict()
        for role in ROLE_PREFIX:
            self.eval_metrics[role] = nn.ModuleDict({
                "acc": MulticlassAccuracy(num_classes, average="micro"),
                "mean_class_acc": MulticlassAccuracy(num_classes, average="macro"),
            })

    # ------------------------------------------------------------------ contract
    # Every method defines ``compute_losses(x_s, y_s, x_t) -> dict`` (see the module docstring)
    # and sets ``self.classifier`` (a module with ``predict`` and ``get_parameters``).
    def forward(self, x: torch.Tensor) -> torch.Tensor:
        """Class logits for evaluation."""
        return self.classifier.predict(x)

    def parameter_groups(self) -> list[dict]:
        """Optimiser parameter groups; extend in a subclass for extra modules (lr_mult 1)."""
        return self.classifier.get_parameters(1.0, self.optim["backbone_lr_mult"])

    def warm_start_grl(
        self, alpha: float = 1.0, lo: float = 0.0, hi: float = 1.0, max_iters: int = 1000, auto_step: bool = True
    ) -> WarmStartGradientReverseLayer:
        """The method's gradient reversal layer, λ(i) = 2(hi − lo)/(1 + exp(−α·i/N)) − (hi − lo) + lo
        (:class:`dalearn.nn.WarmStartGradientReverseLayer`), kept as ``self.grl``: the base logs
        the coefficient each iteration uses as ``train/grl_coeff``, and the iteration count is
        saved in checkpoints. ``auto_step``: advance once per forward (DANN, CDAN); otherwise the
        method calls ``self.grl.step()`` once per iteration (MDD)."""
        self.grl = WarmStartGradientReverseLayer(alpha, lo, hi, max_iters, auto_step=auto_step)
        return self.grl

    # ------------------------------------------------------------------ training
    def training_step(self, batch: Mapping[str, Any], batch_idx: int) -> torch.Tensor:
        x_s, y_s = batch["source"]
        x_t = batch["target"]
        grl_coeff = self.grl.coeff if self.grl is not None else None
        losses = self.compute_losses(x_s, y_s, x_t)
        self.check_finite(losses)
        if grl_coeff is not None:
            losses = {**losses, "grl_coeff": grl_coeff}
        self.log_train(losses, x_s.size(0))
        return losses["loss"]

    def _logging_iteration(self) -> bool:
        """Whether Lightning writes this iteration's logged values to the logger (its own
        rule: every ``log_every_n_steps`` iterations, and on the last one)."""
        if self.log_train_every_step or self._trainer is None:
            return True
        connector = getattr(self.trainer, "_logger_connector", None)
        return bool(getattr(connector, "should_update_logs", True))

    def check_finite(self, losses: Mapping[str, torch.Tensor]) -> None:
        if not torch.isfinite(losses["loss"].detach()):
            parts = {k: float(v.detach()) for k, v in losses.items() if torch.is_tensor(v) and v.numel() == 1}
            raise FloatingPointError(
                f"non-finite training loss at step {self.global_step} (epoch {self.current_epoch}): {parts}. "
                f"Lower optim.lr (now {self.optim['lr']}) or the method's trade_off, or check the input data"
            )

    def log_train(self, losses: Mapping[str, Any], batch_size: int) -> None:
        """Log the iteration's ``train/<key>`` values, on logging iterations only."""
        if not self._logging_iteration():
            return
        for key in ("loss", "cls_loss", "transfer_loss", "domain_acc", "grl_coeff"):
            if key in losses and losses[key] is not None:
                value = losses[key].detach() if torch.is_tensor(losses[key]) else torch.tensor(float(losses[key]))
                self.log(f"train/{key}", value, prog_bar=key in ("loss", "domain_acc"), batch_size=batch_size)

    def configure_optimizers(self) -> dict:
        groups = self.parameter_groups()
        for group in groups:
            group["lr"] = self.optim["lr"] * group.pop("lr_mult", 1.0)
        optimizer = torch.optim.SGD(
            groups, lr=self.optim["lr"], momentum=self.optim["momentum"], weight_decay=self.optim["weight_decay"],
            nesterov=self.optim["nesterov"] and self.optim["momentum"] > 0,
        )
        scheduler = torch.optim.lr_scheduler.LambdaLR(optimizer, lr_schedule(self.optim))
        return {"optimizer": optimizer, "lr_scheduler": {"scheduler": scheduler, "interval": "step"}}

    # ------------------------------------------------------------------ evaluation
    def _roles(self) -> list[str]:
        datamodule = getattr(self.trainer, "datamodule", None)
        return datamodule.eval_roles if datamodule is not None else ["target_val"]

    def validation_step(self, batch: Any, batch_idx: int, dataloader_idx: int = 0) -> None:
        x, y = batch
        predictions = self(x).argmax(dim=1)
        for metric in self.eval_metrics[self._roles()[dataloader_idx]].values():
            metric.update(predictions, y)

    def test_step(self, batch: Any, batch_idx: int, dataloader_idx: int = 0) -> None:
        self.validation_step(batch, batch_idx, dataloader_idx)

    def _compute_eval(self) -> dict[str, float]:
        record: dict[str, float] = {}
        for role in self._roles():
            stage, domain = ROLE_PREFIX[role]
            for name, metric in self.eval_metrics[role].items():
                key = f"{stage}/{domain}_{name}"
                record[key] = float(metric.compute())
                metric.reset()
                self.log(key, record[key], prog_bar=name == "acc", add_dataloader_idx=False, sync_dist=False)
        return record

    def on_validation_epoch_end(self) -> None:
        record = self._compute_eval()
        if not self.trainer.sanity_checking:
            record.update(epoch=self.current_epoch, step=self.global_step)
            self.history.append(record)

    def on_test_epoch_end(self) -> None:
        self.test_results = self._compute_eval()

    # ------------------------------------------------------------------ checkpoint
    def on_save_checkpoint(self, checkpoint: dict) -> None:
        checkpoint["dalearn_history"] = list(self.history)

    def on_load_checkpoint(self, checkpoint: dict) -> None:
        self.history = list(checkpoint.get("dalearn_history", []))


def inverse_decay(step: int, gamma: float, decay: float) -> float:
    """The recipes' per-iteration learning-rate factor (1 + γ·i)^(−decay)."""
    return (1.0 + gamma * step) ** (-decay)


def lr_schedule(optim: Mapping[str, Any]) -> Callable[[int], float]:
    """The factor of :func:`inverse_decay` with the optimiser settings bound (picklable)."""
    return functools.partial(inverse_decay, gamma=optim["lr_gamma"], decay=optim["lr_decay"])


def cross_entropy(logits: torch.Tensor, labels: torch.Tensor) -> torch.Tensor:
    """Mean cross-entropy of the source predictions."""
    return F.cross_entropy(logits, labels)


def split_batch(x: torch.Tensor, n_s: int) -> tuple[torch.Tensor, torch.Tensor]:
    """Source rows then target rows of a stacked forward pass."""
    return x[:n_s], x[n_s:]
