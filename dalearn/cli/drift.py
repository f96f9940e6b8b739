"""``dalearn-drift``: generate a drifted image set from the command line (Hydra).

The config is ``dalearn/conf/drift/generate.yaml`` (every key can be overridden, see its
header). :func:`generate` is a plain function of that config; :func:`main` is the thin Hydra
wrapper that prints what was written. The clean offline datasets are a source of
:mod:`dalearn.data` (:class:`dalearn.data.offline_source.OfflineSource`): the generator takes
any source object, so :mod:`dalearn.drift` never imports :mod:`dalearn.data`. Nothing is written to the working directory except the requested output folder.
"""

from __future__ import annotations

from typing import Any

import dalearn._require_train  # noqa: F401  (first: the [train] extra's pip line if Hydra is missing)

import hydra
from omegaconf import DictConfig, OmegaConf

from dalearn.cli.version import with_version_flag
from dalearn.data.offline_source import OfflineSource
from dalearn.drift.generator import GeneratedSet, ImageDatasetGenerator
from dalearn.drift.transforms import TransformInfo
from dalearn.io import setup_logging
from dalearn.run.config import CONFIG_DIR

DRIFT_KINDS = ("abrupt", "gradual", "incremental", "none")


def build_generator(cfg: DictConfig) -> ImageDatasetGenerator:
    """The generator, its input and its drift, as configured."""
    source = cfg.input
    if (source.path is None) == (source.dataset is None):
        raise ValueError(
            "set exactly one of input.path (an ImageFolder tree) and input.dataset (digits | fashion_mnist)"
        )
    embeddings = cfg.embeddings
    embedder = {
        key: embeddings[key] for key in ("backbone", "pretrained", "weights", "image_size", "batch_size", "device")
    }
    common: dict[str, Any] = {
        "compute_embeddings": bool(embeddings.compute),
        "organize_by_class": bool(cfg.organize_by_class),
        "class_mapping": OmegaConf.to_container(cfg.class_mapping) if cfg.class_mapping is not None else None,
        "embedder": embedder,
        "batch_size": int(cfg.batch_size),
        "start_timestamp": float(cfg.timestamps.start),
        "timestamp_step": float(cfg.timestamps.step),
    }
    if source.path is not None:
        generator = ImageDatasetGenerator(int(cfg.seed), input_path=str(source.path), **common)
    else:
        offline = OfflineSource(
            str(source.dataset),
            split=str(source.split),
            limit=source.limit,
            root=source.root,
            download=bool(source.download),
        )
        generator = ImageDatasetGenerator(int(cfg.seed), source=offline, **common)
    _add_drift(generator, cfg.drift)
    return generator


def _add_drift(generator: ImageDatasetGenerator, drift: DictConfig) -> None:
    if drift.kind not in DRIFT_KINDS:
        raise ValueError(f"drift.kind must be one of {DRIFT_KINDS}, got {drift.kind!r}")
    if drift.kind == "none":
        return
    transforms = [TransformInfo(t["transf_type"], t["drift_level"]) for t in drift.transforms]
    if drift.kind == "abrupt":
        generator.add_abrupt_drift(transforms, start=int(drift.start))
    elif drift.kind == "gradual":
        generator.add_gradual_drift(transforms, start=int(drift.start), end=drift.end)
    else:
        generator.add_incremental_drift(transforms, start=int(drift.start), end=drift.end)


def generate(cfg: DictConfig) -> GeneratedSet:
    """Build the generator and write ``num_samples`` samples to ``output_path``."""
    generator = build_generator(cfg)
    return generator.sample(int(cfg.num_samples), str(cfg.output_path), overwrite=bool(cfg.overwrite))


@with_version_flag  # `--version` → 'dalearn X.Y.Z' (before Hydra can answer it)
@hydra.main(version_base="1.3", config_path=CONFIG_DIR, config_name="drift/generate")
def main(cfg: DictConfig) -> None:
    setup_logging()
    result = generate(cfg)
    print(f"wrote {result.num_samples} samples ({result.num_drifted} drifted) from {result.source} to {result.path}")


if __name__ == "__main__":
    main()
