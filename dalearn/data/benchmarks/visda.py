"""VisDA-2017 classification (Peng et al., 2017): 12 classes, synthetic renders → real photos.

The synthetic domain is the challenge's ``train`` folder (PNG renders), the real domain its
``validation`` folder (photos), as in the published tables.

Sources: the image folders come first from the challenge's own host (the ``train.tar`` and
``validation.tar`` of the classification track, which extract to ``train/`` and
``validation/``), then from TLlib's (Transfer-Learning-Library) Tsinghua-cloud copies; the
image lists only from TLlib. No checksum is published by either, so no SHA-256 is pinned (pin
one with ``--sha256``).
"""

from dalearn.data.benchmarks.spec import BenchmarkSpec, Domain, Resource

_CHALLENGE = "http://csr.bu.edu/ftp/visda17/clf"
_TLLIB = "https://cloud.tsinghua.edu.cn/f"

VISDA = BenchmarkSpec(
    name="visda",
    title="VisDA-2017",
    classes=(
        "aeroplane",
        "bicycle",
        "bus",
        "car",
        "horse",
        "knife",
        "motorcycle",
        "person",
        "plant",
        "skateboard",
        "train",
        "truck",
    ),
    domains=(
        Domain("Synthetic", "train", {"all": "image_list/train.txt"}, "train", "train/<class>/*.png", {"all": 152397}),
        Domain(
            "Real",
            "validation",
            {"all": "image_list/validation.txt"},
            "validation",
            "validation/<class>/*.jpg",
            {"all": 55388},
        ),
    ),
    resources=(
        Resource("image_list", "image_list.zip", (f"{_TLLIB}/c107de37b8094c5398dc/?dl=1",)),
        Resource("train", "train.tar", (f"{_CHALLENGE}/train.tar", f"{_TLLIB}/c5f3ce59139144ec8221/?dl=1")),
        Resource(
            "validation", "validation.tar", (f"{_CHALLENGE}/validation.tar", f"{_TLLIB}/da70e4b1cf514ecea562/?dl=1")
        ),
    ),
    tasks=("Synthetic2Real",),
    homepage="http://ai.bu.edu/visda-2017/ (raw data: http://csr.bu.edu/ftp/visda17/clf/)",
)
