"""The methods the method tests run: every config in conf/method/ (found, not listed, so a new
method is tested without editing a list) and the options that change a method's mechanics."""

from __future__ import annotations

from pathlib import Path

from dalearn.run.config import CONFIG_DIR


def method_configs() -> list[str]:
    """Every method config shipped in conf/method/."""
    return sorted(path.stem for path in (Path(CONFIG_DIR) / "method").glob("*.yaml"))


#: options of a method that change its mechanics, tested beside the plain configs.
VARIANTS = [
    ("jan", ["method.adversarial=true"]),
    ("cdan", ["method.entropy_conditioning=true"]),
    ("cdan", ["method.randomized=true", "method.randomized_dim=128"]),
    ("afn", ["method.entropy_weight=0.1"]),
    ("self_training", ["method.collapse_protection=class_balance", "method.threshold=0.5"]),
    ("self_training", ["method.collapse_protection=diversity"]),
    ("self_training", ["method.collapse_protection=none"]),
]
METHODS = [(name, []) for name in method_configs()] + VARIANTS
IDS = [f"{m}{'-' + '-'.join(e) if e else ''}" for m, e in METHODS]
