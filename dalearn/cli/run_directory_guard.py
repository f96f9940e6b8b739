"""The run-directory check of ``dalearn-train``, run before Hydra writes anything.

Hydra creates ``hydra.run.dir``, writes ``.hydra/`` (``config.yaml``, ``hydra.yaml``,
``overrides.yaml``) into it and opens ``train.log`` there before the task function runs; a
folder a user named with ``hydra.run.dir=…`` that is not a dalearn run directory of this run
(another project's output, say) would lose its own ``.hydra/`` files and log before
:meth:`dalearn.run.rundir.RunDirectory.claim` refused it. This Hydra callback applies that same
claim in Hydra's ``on_run_start``, so such a folder is refused with nothing in it changed: the
reason goes to standard error and the command exits with status 1 (Hydra turns an exception in a
callback into a warning and carries on, so the callback ends the process itself).

Registered in ``conf/hydra/default.yaml`` (``hydra.callbacks``). A folder that does not exist yet
is left to Hydra (it creates it, and the run marks it as its own). A multirun's job folders are
named by the sweep (``<sweep dir>/<data>/<method>/seed<k>-<hash>``) and claimed by each run.
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

from hydra.experimental.callback import Callback
from omegaconf import DictConfig

from dalearn.io.ownership import ForeignFolderError
from dalearn.run.resolvers import run_hash
from dalearn.run.rundir import RunDirectory


class RunDirectoryGuard(Callback):
    """Refuse a foreign ``hydra.run.dir`` before Hydra writes into it (see the module doc)."""

    def on_run_start(self, config: DictConfig, **kwargs: Any) -> None:
        folder = Path(str(config.hydra.run.dir))
        if not (folder.exists() or folder.is_symlink()):
            return
        try:
            RunDirectory(folder).claim(run_hash(config))
        except ForeignFolderError as error:
            print(f"dalearn-train: {error}", file=sys.stderr)
            raise SystemExit(1) from None
