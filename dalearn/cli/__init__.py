"""The console entry points, together above the library: each module parses arguments (or
composes the Hydra config), sets up the console once (:func:`dalearn.io.setup_logging`),
calls one library function and prints its result. Only this layer prints; nothing else
imports it.

========================  ============================  ======================================
command                   module                        calls
========================  ============================  ======================================
``dalearn-train``         :mod:`dalearn.cli.train`      :func:`dalearn.run.training.train`
``dalearn-eval``          :mod:`dalearn.cli.eval`       :func:`dalearn.run.evaluation.evaluate`
``dalearn-collect``       :mod:`dalearn.cli.collect`    :mod:`dalearn.tables` (result tables)
``dalearn-select``        :mod:`dalearn.cli.select`     :mod:`dalearn.tables` (sweep selection)
``dalearn-analyze``       :mod:`dalearn.cli.analyze`    :func:`dalearn.analysis.analyze`
``dalearn-data``          :mod:`dalearn.cli.data`       :mod:`dalearn.data` (download, verify, cache)
``dalearn-drift``         :mod:`dalearn.cli.drift`      :class:`dalearn.drift.ImageDatasetGenerator`
``dalearn-recipes``       :mod:`dalearn.cli.recipes`    :mod:`dalearn.recipes` (generated configs)
========================  ============================  ======================================

Each also runs as ``python -m dalearn.cli.<module>``.
"""
