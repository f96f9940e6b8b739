#!/usr/bin/env bash
# Install Debian's dataset-fashion-mnist (the four original IDX files under
# /usr/share/datasets/fashion-mnist). Needs root and apt-get.
set -euo pipefail
if [ -f /usr/share/datasets/fashion-mnist/train-images-idx3-ubyte.gz ]; then exit 0; fi
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq >/dev/null
apt-get install -y -qq dataset-fashion-mnist >/dev/null
ls /usr/share/datasets/fashion-mnist
