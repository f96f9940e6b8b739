"""The shared base of every method: the network, optimisation, schedule, evaluation, logging,
history.

A method subclass states only what differs (DomainBed style); its network is injected (the
lightning-hydra-template's ``net``). The contract, in code:

- ``__init__(classifier, …)``: the network arrives built — ``method.classifier`` in the
  method's config, a ``_target_`` node the run builds on the configured backbone with the
  data's number of classes — a module whose ``forward(x)`` returns ``(logits, …, features)``,
  whose ``predict(x)`` gives class logits and whose ``get_parameters(lr_mult,
  backbone_lr_mult)`` gives its optimiser parameter groups (:class:`dalearn.nn.ImageClassifier`
  and the MCD/MDD networks of :mod:`dalearn.nn.heads` do all three). The method builds only
  its extra modules (discriminators, kernels, losses) from the classifier's ``features_dim``
  and ``num_classes``;
- :meth:`DomainAdaptationModule.compute_losses` computes one training iteration and returns
  :meth:`DomainAdaptationModule.outputs`: ``loss`` (what is minimised, by default
  ``cls_loss + trade_off · transfer_loss``), scalars worth logging (``cls_loss``,
  ``transfer_loss``, ``domain_acc``, …; each is logged as ``train/<key>``) and the tensors
  regularisers read (``logits_s``, ``logits_t``, ``features_s``, ``features_t``: computed
  anyway, so free; listed in ``provides``, all four by default);
- :meth:`DomainAdaptationModule.parameter_groups` lists extra modules (discriminators, heads);
- a method that takes several optimiser steps per iteration (MCD) sets
  ``automatic_optimization = False``, overrides :meth:`DomainAdaptationModule.training_iteration`
  instead of ``compute_losses`` (stepping with :meth:`DomainAdaptationModule.minimise`) and
  :meth:`configure_optimizers` (with :meth:`DomainAdaptationModule.build_optimizer`);
- what its training batches must hold is told to the DataModule by the run's factory, which
  reads :meth:`DomainAdaptationModule.training_data` from the class and its config before any
  data is built: ``uses_source = False`` (source-free: no source stream, no source image
  loaded), ``target_views`` (extra views of the target batch: ``"strong"``, ``"index"``;
  then ``x_t`` is a dict ``{"image": …, "strong": …, "index": …}``) and the strong
  augmentation;
- its name is the config's ``name`` (``method.name``: a combination such as ``cdan_mcc`` is a
  CDAN module recorded under its own name).

Regularisers (:mod:`dalearn.methods.regularizers`): ``regularizers={name: {weight, …}}``
adds Σ weight · R(outputs) to ``loss`` and logs each R as ``train/reg/<name>``.

Everything else lives here:

- parameter groups — backbone at ``backbone_lr_mult × lr``, the rest at ``lr``;
- the optimiser: ``optim.optimizer``, a ``_partial_`` node such as ``torch.optim.SGD`` with
  Nesterov momentum, is the one way an optimiser is made (:meth:`build_optimizer`, which also
  applies the one rule SGD needs: no Nesterov without momentum), and the per-iteration
  schedule lr_i = lr · (1 + γ·i)^(−decay);
- evaluation on every loader of the DataModule's ``eval_roles``: top-1 accuracy and
  mean-per-class accuracy (torchmetrics, synchronised across processes);
- label-free model-selection scores (:mod:`dalearn.validators`, chosen with
  :meth:`DomainAdaptationModule.use_validators`): one forward pass per evaluation batch gives
  the logits and the features (:meth:`DomainAdaptationModule.evaluation_outputs`);
  the target-validation batches give ``target_probs``/``target_features``, the source
  hold-out batches ``source_logits``/``source_labels``/``source_features``; each validator
  takes the inputs it declares, once per batch, and its score is logged and recorded as
  ``val/score/<name>`` at the end of every validation epoch (not during the sanity check);
  each evaluation batch's ``{"role", "logits"}`` is returned to the callbacks
  (:class:`dalearn.run.evaluation_consumer.EvaluationConsumer`: stored predictions, accuracy
  estimates, MixVal);
- the gradient-reversal warm start (:meth:`DomainAdaptationModule.warm_start_grl`): a method
  asks for one, the base logs its coefficient ``train/grl_coeff`` every logged iteration;
- training logs (every scalar the iteration returns as ``train/<key>``, and
  ``train/grl_coeff``) written only on the iterations whose values Lightning passes to the
  logger (every ``trainer.log_every_n_steps``, and when training stops): a ``self.log`` call
  costs about 0.3–0.5 ms, which is 5–15 % of a LeNet step when paid every iteration for
  values that are then dropped (benchmarks/results/overhead.md);
- the per-epoch ``history`` that model selection reads, saved inside checkpoints so that a
  resumed run selects over its whole life;
- a clear stop on a non-finite loss, checked every iteration.
"""

from __future__ import annotations

import functools
from typing import Any, Callable, Mapping, Optional, Sequence

import lightning as L
import torch
import torch.nn.functional as F
from torch import nn
from torchmetrics.classification import MulticlassAccuracy

from dalearn.methods.conventions import LightningConventions
from dalearn.methods.regularizers import OUTPUTS, build_regularizers
from dalearn.methods.weights import loss_weight
from dalearn.metrics import MeanClassAccuracy
from dalearn.nn import WarmStartGradientReverseLayer
from dalearn.validators import build_validator

ROLE_PREFIX = {"target_val": ("val", "tgt"), "target_test": ("test", "tgt"), "source_val": ("val", "src")}
#: the validator inputs each evaluation role provides (the other roles feed no validator).
VALIDATOR_ROLES = {"target_val": "target", "source_val": "source"}
DEFAULT_OPTIM = {
    "lr": 0.01,
    "lr_gamma": 1e-3,
    "lr_decay": 0.75,
    "backbone_lr_mult": 0.1,
    "optimizer": functools.partial(torch.optim.SGD, momentum=0.9, weight_decay=1e-3, nesterov=True),
}
PROGRESS_BAR_KEYS = ("loss", "domain_acc")


class DomainAdaptationModule(LightningConventions, L.LightningModule):
    """Base LightningModule for unsupervised domain adaptation methods.

    Args:
        classifier: the network (see the module docstring), built from ``method.classifier``.
        optim: optimiser settings (keys of ``DEFAULT_OPTIM``): ``optimizer`` is a callable
            that takes parameter groups and keyword overrides (the config's ``_partial_``
            node), ``lr`` the base rate, ``lr_gamma``/``lr_decay`` the schedule,
            ``backbone_lr_mult`` the backbone's share.
        trade_off: weight of the transfer loss.
        regularizers: name → settings of the regularisers added to the objective
            (:mod:`dalearn.methods.regularizers`); None or empty: none.
        name: the method's name in run directories and tables (the config's ``name``);
            default the class name.
    """

    classifier: nn.Module
    #: Tensors the iteration returns besides its scalars, for regularisers to read.
    provides: frozenset[str] = frozenset(OUTPUTS)
    #: False for a source-free method: the DataModule builds no source stream and no source_val.
    uses_source: bool = True
    #: Extra views of the target training batch the DataModule provides ("strong", "index").
    target_views: tuple[str, ...] = ()
    #: The label-free selection scores (validator names) this method's own loss maximises, such
    #: as the information maximisation of SHOT: the method tops them by construction, whatever its
    #: accuracy, so a sweep never lets such a score pick its checkpoints while another candidate
    #: is eligible (:mod:`dalearn.selection.sweep_ranking`). Its regularisers add theirs
    #: (:attr:`trained_scores`); the run records the union in ``metrics.json`` (``trains_on``).
    trains_on: frozenset[str] = frozenset()
    #: Log the training values on every iteration instead of only on logging iterations
    #: (the progress bar then refreshes them every step, at the cost described above).
    log_train_every_step = False

    def __init__(
        self,
        classifier: nn.Module,
        optim: Optional[Mapping[str, Any]] = None,
        trade_off: float = 1.0,
        regularizers: Optional[Mapping[str, Any]] = None,
        name: Optional[str] = None,
    ) -> None:
        super().__init__()
        unknown = set(optim or {}) - set(DEFAULT_OPTIM)
        if unknown:
            raise ValueError(f"unknown optim keys {sorted(unknown)}; expected {sorted(DEFAULT_OPTIM)}")
        self.optim = {**DEFAULT_OPTIM, **dict(optim or {})}
        self.name = str(name) if name else type(self).__name__
        # Lightning conventions (dalearn/methods/conventions.py): the constructor's arguments, as plain
        # data, in every checkpoint, so that `Method.load_from_checkpoint(path)` needs nothing else.
        self.save_hyperparameters(ignore=["classifier", "optim"], logger=False)
        self.record_hyperparameters(classifier, self.optim)
        self.backbone = classifier.backbone
        self.num_classes = int(classifier.num_classes)
        self.trade_off = loss_weight(trade_off, "method.trade_off")
        self.history: list[dict[str, float]] = []
        self.grl: Optional[WarmStartGradientReverseLayer] = None
        self.regularizers = build_regularizers(regularizers, type(self).__name__, self.provides)
        self.eval_metrics = nn.ModuleDict()
        for role in ROLE_PREFIX:
            self.eval_metrics[role] = nn.ModuleDict(
                {
                    "acc": MulticlassAccuracy(self.num_classes, average="micro"),
                    "mean_class_acc": MeanClassAccuracy(self.num_classes),
                }
            )
        self.validators = nn.ModuleDict()
        self.classifier = classifier

    @classmethod
    def training_data(cls, settings: Mapping[str, Any]) -> dict[str, Any]:
        """What the DataModule must give this method's training batches, read from the class
        and its config ``settings`` before anything is built: ``uses_source``,
        ``target_views`` and ``strong_augmentation`` (a transform of the strong view, or None
        for the DataModule's default). The run's factory passes them to the DataModule."""
        return {"uses_source": cls.uses_source, "target_views": tuple(cls.target_views), "strong_augmentation": None}

    # ------------------------------------------------------------------ contract
    def compute_losses(self, x_s: torch.Tensor, y_s: torch.Tensor, x_t: Any) -> dict[str, torch.Tensor]:
        """One training iteration on a labelled source batch ``(x_s, y_s)`` and an unlabelled
        target batch ``x_t``: :meth:`outputs` (``{"loss": what is minimised, <name>: scalar
        to log, …}``)."""
        raise NotImplementedError(
            f"{type(self).__name__} must implement compute_losses(x_s, y_s, x_t), or training_iteration for a "
            "method that takes several optimiser steps per iteration"
        )

    def outputs(
        self,
        loss: Optional[torch.Tensor] = None,
        *,
        cls_loss: Optional[torch.Tensor] = None,
        transfer_loss: Optional[torch.Tensor] = None,
        logits: tuple[Optional[torch.Tensor], Optional[torch.Tensor]] = (None, None),
        features: tuple[Optional[torch.Tensor], Optional[torch.Tensor]] = (None, None),
        **scalars: Optional[torch.Tensor],
    ) -> dict[str, torch.Tensor]:
        """The dict an iteration returns: ``loss`` (default ``cls_loss + trade_off ·
        transfer_loss``), the scalars to log (``cls_loss``, ``transfer_loss``, then
        ``scalars``), and the (source, target) ``logits`` and ``features`` as ``logits_s``,
        ``logits_t``, ``features_s``, ``features_t``; None entries are left out."""
        if loss is None:
            loss = cls_loss if transfer_loss is None else cls_loss + self.trade_off * transfer_loss
        entries = {"loss": loss, "cls_loss": cls_loss, "transfer_loss": transfer_loss, **scalars}
        entries.update(logits_s=logits[0], logits_t=logits[1], features_s=features[0], features_t=features[1])
        return {key: value for key, value in entries.items() if value is not None}

    def joint_forward(self, *batches: torch.Tensor) -> tuple[tuple[torch.Tensor, ...], ...]:
        """One forward of cat(``batches``) through the classifier (one BatchNorm statistic over
        all of them, as the reference implementations), every output split back per batch:
        ``((logits_1, logits_2, …), …, (features_1, features_2, …))``."""
        bounds = [0]
        for batch in batches:
            bounds.append(bounds[-1] + batch.size(0))
        output = self.classifier(torch.cat(batches))
        return tuple(tuple(part[bounds[i] : bounds[i + 1]] for i in range(len(batches))) for part in output)

    def setup(self, stage: str) -> None:
        """Refuse a method that does not meet the contract before any work."""
        classifier = getattr(self, "classifier", None)
        missing = [name for name in ("predict", "get_parameters") if not callable(getattr(classifier, name, None))]
        if classifier is None or missing:
            raise TypeError(
                f"method {type(self).__name__} needs a classifier with predict(x) and get_parameters(lr_mult, "
                f"backbone_lr_mult) (e.g. dalearn.nn.ImageClassifier, built from method.classifier); missing: {missing}"
            )
        own = type(self)
        if own.compute_losses is DomainAdaptationModule.compute_losses and (
            own.training_iteration is DomainAdaptationModule.training_iteration
        ):
            raise TypeError(f"method {own.__name__} must implement compute_losses(x_s, y_s, x_t)")

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
        x_s, y_s = batch["source"] if "source" in batch else (None, None)
        x_t = batch["target"]
        grl_coeff = self.grl.coeff if self.grl is not None else None
        losses = self.training_iteration(x_s, y_s, x_t)
        if not self.automatic_optimization:
            schedulers = self.lr_schedulers()
            for scheduler in schedulers if isinstance(schedulers, list) else [schedulers]:
                scheduler.step()
        if grl_coeff is not None:
            losses = {**losses, "grl_coeff": grl_coeff}
        self.log_train(losses, target_image(x_t).size(0) if x_s is None else x_s.size(0))
        return losses["loss"]

    def training_iteration(self, x_s: Optional[torch.Tensor], y_s: Optional[torch.Tensor], x_t: Any) -> dict:
        """One iteration: :meth:`compute_losses` with the regularisers added, checked finite
        (Lightning then takes the optimiser step). A method with several optimiser steps per
        iteration overrides this: it takes them with :meth:`minimise` and returns the values
        to log, ``loss`` among them; the base steps the schedulers after it."""
        losses = self.compute_losses(x_s, y_s, x_t)
        if not isinstance(losses, Mapping) or "loss" not in losses:
            raise TypeError(
                f"{type(self).__name__}.compute_losses must return a dict with the key 'loss', got {type(losses).__name__}"
                + (f" with keys {sorted(losses)}" if isinstance(losses, Mapping) else "")
            )
        losses = self.add_regularizers(losses)
        self.check_finite(losses)
        return losses

    def minimise(self, loss: torch.Tensor, *optimizers: torch.optim.Optimizer) -> None:
        """Manual optimisation: clear every optimiser's gradients, back-propagate ``loss``, step
        ``optimizers``."""
        for optimizer in self.optimizers():
            optimizer.zero_grad()
        self.manual_backward(loss)
        for optimizer in optimizers:
            optimizer.step()

    @property
    def trained_scores(self) -> frozenset[str]:
        """:attr:`trains_on` and the scores its regularisers maximise."""
        return frozenset(self.trains_on).union(*(r.trains_on for r in self.regularizers.values()))

    def add_regularizers(self, losses: Mapping[str, torch.Tensor]) -> dict[str, torch.Tensor]:
        """``loss`` + Σ weight · R(outputs) over the configured regularisers, each R kept as
        ``reg/<name>`` (logged as ``train/reg/<name>``)."""
        losses = dict(losses)
        for name, regularizer in self.regularizers.items():
            missing = [key for key in regularizer.requires if key not in losses]
            if missing:
                raise KeyError(
                    f"{type(self).__name__}.compute_losses did not return {missing}, which the regulariser {name!r} "
                    f"reads; return them (and list them in provides)"
                )
            term = regularizer.term(losses)
            losses["loss"] = losses["loss"] + regularizer.weight * term
            losses[f"reg/{name}"] = term
        return losses

    def _attached_trainer(self) -> Optional[L.Trainer]:
        """The Trainer running this module, or None (a module used outside a fit)."""
        try:
            return self.trainer
        except RuntimeError:
            return None

    def _logging_iteration(self) -> bool:
        """Whether Lightning writes this iteration's logged values to the logger — its rule:
        the iteration's 1-based number in the whole fit is a multiple of
        ``trainer.log_every_n_steps``, or training is stopping. The number comes from the
        fit loop's public batch progress (restored on resume)."""
        trainer = self._attached_trainer()
        if self.log_train_every_step or trainer is None:
            return True
        iteration = trainer.fit_loop.epoch_loop.batch_progress.total.ready
        return iteration % max(1, int(trainer.log_every_n_steps)) == 0 or bool(trainer.should_stop)

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
        for key, value in losses.items():
            if value is None:
                continue
            if torch.is_tensor(value):
                if value.numel() != 1:
                    continue
                value = value.detach()
            elif isinstance(value, (int, float)):
                value = torch.tensor(float(value))
            else:
                continue
            self.log(f"train/{key}", value, prog_bar=key in PROGRESS_BAR_KEYS, batch_size=batch_size)

    def build_optimizer(self, groups: list[dict], **overrides: Any) -> torch.optim.Optimizer:
        """The configured optimiser (``optim.optimizer``) over ``groups``, each group's
        ``lr_mult`` turned into its ``lr`` = ``optim.lr × lr_mult``; ``overrides`` replace
        configured arguments (MCD's generator momentum). SGD refuses Nesterov momentum
        without momentum, so ``momentum`` 0 turns ``nesterov`` off."""
        for group in groups:
            group["lr"] = self.optim["lr"] * group.pop("lr_mult", 1.0)
        factory = self.optim["optimizer"]
        settings = {**getattr(factory, "keywords", {}), **overrides}
        if settings.get("nesterov") and not settings.get("momentum"):
            overrides = {**overrides, "nesterov": False}
        return factory(groups, **overrides)

    def build_scheduler(self, optimizer: torch.optim.Optimizer) -> torch.optim.lr_scheduler.LambdaLR:
        """The per-iteration schedule lr_i = lr · (1 + γ·i)^(−decay) on ``optimizer``."""
        return torch.optim.lr_scheduler.LambdaLR(optimizer, lr_schedule(self.optim))

    def configure_optimizers(self) -> dict:
        optimizer = self.build_optimizer(self.parameter_groups())
        return {
            "optimizer": optimizer,
            "lr_scheduler": {"scheduler": self.build_scheduler(optimizer), "interval": "step"},
        }

    # ------------------------------------------------------------------ evaluation
    def _roles(self) -> list[str]:
        datamodule = getattr(self.trainer, "datamodule", None)
        return datamodule.eval_roles if datamodule is not None else ["target_val"]

    def use_validators(self, names: Sequence[str]) -> None:
        """Score every validation epoch with the validators ``names`` (registry names of
        :mod:`dalearn.validators`, e.g. ``["src_acc", "ima"]``); an empty list scores none."""
        self.validators = nn.ModuleDict({name: build_validator(name) for name in dict.fromkeys(names)})

    def evaluation_outputs(self, x: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        """``(logits, features)`` of one evaluation batch in one forward pass: the class logits
        of :meth:`forward` and the features the classifier's head reads (the bottleneck output
        of :class:`dalearn.nn.ImageClassifier`, whose forward returns ``(logits, …, features)``).
        A method whose classifier has another forward overrides this (MCD)."""
        output = self.classifier(x)
        if not isinstance(output, (tuple, list)) or len(output) < 2:
            raise TypeError(
                f"{type(self).__name__}.classifier(x) must return (logits, ..., features) for the validators; "
                f"got {type(output).__name__}: override evaluation_outputs(x) to return (logits, features)"
            )
        return output[0], output[-1]

    def _scoring(self) -> bool:
        """Whether this evaluation feeds the validators: validation epochs of fitting or
        ``validate``, never the sanity check or ``test``."""
        trainer = self._attached_trainer()
        if not len(self.validators) or trainer is None:
            return False
        return not (trainer.sanity_checking or trainer.testing)

    def _validator_inputs(self, side: str, logits: torch.Tensor, features: torch.Tensor, y: torch.Tensor) -> dict:
        if side == "target":
            return {"target_probs": F.softmax(logits.float(), dim=1), "target_features": features.flatten(1)}
        return {"source_logits": logits, "source_labels": y, "source_features": features.flatten(1)}

    def validation_step(self, batch: Any, batch_idx: int, dataloader_idx: int = 0) -> dict[str, Any]:
        x, y = batch
        role = self._roles()[dataloader_idx]
        side = VALIDATOR_ROLES.get(role) if self._scoring() else None
        if side is None:
            logits = self(x)
        else:
            logits, features = self.evaluation_outputs(x)
            inputs = self._validator_inputs(side, logits.detach(), features.detach(), y)
            for validator in self.validators.values():
                given = {key: inputs[key] for key in validator.inputs if key.startswith(side)}
                if given:
                    validator.update(**given)
        predictions = logits.argmax(dim=1)
        for metric in self.eval_metrics[role].values():
            metric.update(predictions, y)
        # -- evaluation outputs for callbacks (dalearn.run.evaluation_consumer): Lightning hands what
        # -- this returns to every callback's on_validation_batch_end / on_test_batch_end as `outputs`.
        return {"role": role, "logits": logits.detach()}

    def test_step(self, batch: Any, batch_idx: int, dataloader_idx: int = 0) -> dict[str, Any]:
        return self.validation_step(batch, batch_idx, dataloader_idx)

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

    def _compute_scores(self) -> dict[str, float]:
        """``val/score/<name>`` of every validator that got its inputs this epoch (one that
        needs the source hold-out is skipped when the data has none), then reset."""
        record: dict[str, float] = {}
        roles = set(self._roles())
        for name, validator in self.validators.items():
            if validator.needs_source and "source_val" not in roles:
                validator.reset()
                continue
            value = validator.compute()
            validator.reset()
            # ---- epoch checks (issue 23, collapse): a metric fed like a validator whose compute()
            # gives {name: value}, e.g. dalearn.validators.collapse.CollapseCheck, put in
            # self.validators under <check> by dalearn.run.collapse_monitor, is recorded as
            # val/<check>/<name> (val/collapse/flag, …) instead of one val/score/<check>.
            if isinstance(value, Mapping):
                for part, number in value.items():
                    record[f"val/{name}/{part}"] = float(number)
                    self.log(f"val/{name}/{part}", float(number), add_dataloader_idx=False, sync_dist=False)
                continue
            # ---- end of epoch checks
            key = f"val/score/{name}"
            record[key] = float(value)
            self.log(key, record[key], add_dataloader_idx=False, sync_dist=False)
        return record

    def on_validation_epoch_end(self) -> None:
        scoring = self._scoring()
        record = self._compute_eval()
        if scoring:
            record.update(self._compute_scores())
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


def target_image(x_t: Any) -> torch.Tensor:
    """The (weakly augmented) target images of a batch, whether or not it carries other views."""
    return x_t["image"] if isinstance(x_t, Mapping) else x_t


def split_batch(x: torch.Tensor, n_s: int) -> tuple[torch.Tensor, torch.Tensor]:
    """Source rows then target rows of a stacked forward pass."""
    return x[:n_s], x[n_s:]
