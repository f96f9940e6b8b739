"""The one trusted reader of the configs and checkpoints a user is given (a run directory from
a colleague, a checkpoint from the internet): reading one runs no code.

- :mod:`dalearn.io.trusted.checkpoints` — :func:`~dalearn.io.trusted.checkpoints.load_checkpoint`,
  ``torch.load(weights_only=True)`` with errors that name the file and what to do (torch and
  the standard library only, so :mod:`dalearn.nn` can use it);
- :mod:`dalearn.io.trusted.configs` — :func:`~dalearn.io.trusted.configs.load_config` and
  :func:`~dalearn.io.trusted.configs.check_config`: an allow-list of exact callables and of
  resolvers, checked over the whole tree before anything is built (OmegaConf and Hydra);
- :mod:`dalearn.io.trusted.allowlist` — those lists, as data;
  ``python -m dalearn.cli.trusted --markdown`` prints them as docs/security.md shows them.

Nothing is imported here, so that importing the checkpoint reader does not import OmegaConf.
"""
