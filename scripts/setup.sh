#!/usr/bin/env bash
# Create .venv (once) and install dalearn with every extra and the dev tools into it
# (`.[all,dev]`: training, analysis, drift, launchers, loggers, docs, tests). Idempotent: reinstalls
# only when pyproject.toml changed. Also fetches the offline Fashion-MNIST files from
# Debian's `dataset-fashion-mnist` package when running as root on a Debian-like system
# (best effort; the digits datasets need nothing).
set -euo pipefail
cd "$(dirname "$0")/.."
python=${PYTHON:-python3}
if [ ! -x .venv/bin/python ]; then
  echo "[dalearn] creating .venv with $($python --version)"
  "$python" -m venv .venv
fi
stamp=.venv/.dalearn-installed
if [ ! -f "$stamp" ] || [ pyproject.toml -nt "$stamp" ]; then
  echo "[dalearn] installing dalearn and its dependencies into .venv (first time: several minutes)"
  .venv/bin/python -m pip install --quiet --disable-pip-version-check -e '.[all,dev]'
  touch "$stamp"
fi
if [ ! -d /usr/share/datasets/fashion-mnist ] && [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null; then
  scripts/install-fashion-mnist.sh || echo "[dalearn] note: Fashion-MNIST not installed; the digits datasets still work"
fi
