"""The collapse check of every run: each validation epoch, are the target predictions
degenerate? (:mod:`dalearn.validators.collapse` defines the diagnostics and the flag.)

:class:`CollapseMonitor` puts a :class:`~dalearn.validators.collapse.CollapseCheck` among the
module's validators when fitting starts, so the harness feeds it the target softmax rows and
the source hold-out labels of the evaluation batches it already computes (no extra forward
pass); the monitor adds the labels of the source training batches seen since the last
evaluation (about 3 000 per offline epoch, a sharper class prior π than a small hold-out's,
and one that source-free stages without a hold-out lack). The module records its numbers in the epoch's history as ``val/collapse/<name>`` and
``val/collapse/flag`` (1.0 flagged, 0.0 not), which ``metrics.json`` keeps and which model
selection reads: no rule picks a flagged epoch while an unflagged one exists. A flagged epoch
also gets one warning in the log that says what was seen, what it likely means and what to do.

With ``reference_ckpt`` (a Source-Only run directory or checkpoint, e.g. the same task and
seed's ``source_only`` run) the monitor also runs that model on each target evaluation batch
(one extra forward of the target validation set per epoch) and records ``agreement``, the
share of target images on which the two predict the same class, and ``kappa``, that share
corrected for chance (Cohen's kappa).

Configured by the top-level ``collapse`` node (conf/train.yaml): ``enabled``,
``reference_ckpt`` and the three thresholds.
"""

from __future__ import annotations

import copy
import logging
from typing import Any, Optional, Sequence

import lightning as L
import torch
import torch.nn.functional as F
from torch import nn

from dalearn.io.trusted.checkpoints import load_checkpoint
from dalearn.methods.checkpoint_weights import load_classifier_weights, resolve_checkpoint
from dalearn.nn import ImageClassifier, bottleneck
from dalearn.run.validation_batch_hook import ValidationBatchHook
from dalearn.validators.collapse import MAX_TOP_SHARE_RATIO, MIN_ENTROPY_RATIO, MIN_KAPPA, CollapseCheck

log = logging.getLogger("dalearn")

#: The key of the check in the module's validators, hence the history prefix ``val/collapse/``.
CHECK = "collapse"
FLAG = f"val/{CHECK}/flag"
OPTION = "collapse.reference_ckpt"


class CollapseMonitor(ValidationBatchHook):
    """Flags and warns about epochs whose target predictions look collapsed (module doc)."""

    def __init__(
        self,
        enabled: bool = True,
        reference_ckpt: Optional[str] = None,
        min_entropy_ratio: float = MIN_ENTROPY_RATIO,
        max_top_share_ratio: float = MAX_TOP_SHARE_RATIO,
        min_kappa: float = MIN_KAPPA,
    ) -> None:
        self.enabled = bool(enabled)
        self.reference_ckpt = str(reference_ckpt) if reference_ckpt else None
        self.thresholds = {
            "min_entropy_ratio": min_entropy_ratio,
            "max_top_share_ratio": max_top_share_ratio,
            "min_kappa": min_kappa,
        }
        CollapseCheck(2, **self.thresholds)  # refuse bad thresholds when the run is configured
        self.reference: Optional[nn.Module] = None
        self._roles: list[str] = []

    def setup(self, trainer: L.Trainer, pl_module: L.LightningModule, stage: str) -> None:
        if stage != "fit" or not self.enabled:
            return
        validators = getattr(pl_module, "validators", None)
        if not isinstance(validators, nn.ModuleDict):
            raise TypeError(
                f"the collapse check needs a dalearn method (a DomainAdaptationModule); {type(pl_module).__name__} "
                "has no validators: set collapse.enabled=false"
            )
        validators[CHECK] = CollapseCheck(int(pl_module.num_classes), **self.thresholds)
        if self.reference_ckpt:
            self.reference = reference_classifier(pl_module.backbone, int(pl_module.num_classes), self.reference_ckpt)
            self.reference.requires_grad_(False)

    def on_train_batch_end(
        self, trainer: L.Trainer, pl_module: L.LightningModule, outputs: Any, batch: Any, batch_idx: int
    ) -> None:
        source = batch.get("source") if isinstance(batch, dict) else None
        if self.enabled and source is not None and CHECK in pl_module.validators:
            pl_module.validators[CHECK].update(source_labels=source[1])

    def on_validation_epoch_start(self, trainer: L.Trainer, pl_module: L.LightningModule) -> None:
        datamodule = getattr(trainer, "datamodule", None)
        self._roles = list(getattr(datamodule, "eval_roles", ["target_val"]))
        if self.reference is not None:
            self.reference.to(pl_module.device).eval()

    def validation_batch(
        self, trainer: L.Trainer, pl_module: L.LightningModule, outputs: Any, batch: Any, dataloader_idx: int
    ) -> None:
        if self.reference is None or trainer.sanity_checking or self._roles[dataloader_idx] != "target_val":
            return
        check = pl_module.validators[CHECK]
        with torch.no_grad():
            check.update(reference_probs=F.softmax(self.reference.predict(batch[0]).float(), dim=1))

    def on_validation_end(self, trainer: L.Trainer, pl_module: L.LightningModule) -> None:
        history = getattr(pl_module, "history", None)
        if trainer.sanity_checking or not self.enabled or not history or FLAG not in history[-1]:
            return
        if history[-1][FLAG] == 1.0 and trainer.is_global_zero:
            classes = getattr(getattr(trainer, "datamodule", None), "classes", None)
            log.warning("%s", warning(history[-1], self.thresholds, classes))


def warning(record: dict, thresholds: dict, classes: Optional[Sequence[str]] = None) -> str:
    """The log line of a flagged epoch: what was seen, what it likely means, what to do."""
    prefix = f"val/{CHECK}/"
    seen = []
    if not record[prefix + "mean_entropy_ratio"] >= thresholds["min_entropy_ratio"]:
        seen.append(
            f"the mean target prediction has {record[prefix + 'mean_entropy_ratio']:.2f} of the entropy of the source "
            f"class prior (flagged below {thresholds['min_entropy_ratio']:g})"
        )
    if record[prefix + "top_share_ratio"] > thresholds["max_top_share_ratio"]:
        top = int(record[prefix + "top_class"])
        name = f"{top} ({classes[top]!r})" if classes is not None and top < len(classes) else str(top)
        seen.append(
            f"{100 * record[prefix + 'top_share']:.0f} % of the target images are predicted as class {name}, "
            f"{record[prefix + 'top_share_ratio']:.1f}× the largest source class's share (flagged above "
            f"{thresholds['max_top_share_ratio']:g}×)"
        )
    kappa = record.get(prefix + "kappa")
    if kappa is not None and kappa < thresholds["min_kappa"]:
        seen.append(
            f"the model agrees with the Source-Only reference on {100 * record[prefix + 'agreement']:.0f} % of the "
            f"target images, no more than chance (Cohen's kappa {kappa:.2f}, flagged below {thresholds['min_kappa']:g})"
        )
    return (
        f"epoch {record.get('epoch')}: the target predictions look collapsed — {'; '.join(seen)}. This likely means "
        "the model has locked onto a few classes or onto its own wrong pseudo-labels (negative transfer): its target "
        "accuracy is probably far below what its confidence and its source accuracy suggest, and confidence-based "
        f"validators rank it too high. The epoch is flagged ({FLAG} = 1 in metrics.json) and selection avoids it while "
        "an unflagged epoch exists. What to do: compare with Source-Only on this task; lower the method's trade_off or "
        "optim.lr; for self-training keep method.collapse_protection on; if every epoch is flagged, do not use this run"
    )


def reference_classifier(backbone: nn.Module, num_classes: int, path: str) -> ImageClassifier:
    """A Source-Only classifier (``backbone → [bottleneck] → Linear(C)``, the architecture of
    :class:`dalearn.methods.SourceOnly`) with the weights of the checkpoint ``path`` (a run
    directory, a ``.ckpt`` or a glob naming one), built on a copy of ``backbone``'s
    architecture; the bottleneck's width and BatchNorm are read from the checkpoint. Read with
    ``weights_only=True``: a checkpoint runs no code."""
    file = resolve_checkpoint(path, OPTION)
    checkpoint = load_checkpoint(
        file, key=OPTION, advice="give the run directory or checkpoints/last.ckpt of a Source-Only run"
    )
    state = checkpoint.get("state_dict", checkpoint) if isinstance(checkpoint, dict) else {}
    neck_weight = state.get("classifier.bottleneck.0.weight") if isinstance(state, dict) else None
    neck = None
    if neck_weight is not None:
        width = int(neck_weight.shape[0])
        neck = bottleneck(int(backbone.out_features), width, batch_norm="classifier.bottleneck.1.running_mean" in state)
    classifier = ImageClassifier(
        copy.deepcopy(backbone), num_classes, neck, int(neck_weight.shape[0]) if neck else None
    )
    load_classifier_weights(classifier, str(file), OPTION)
    return classifier
