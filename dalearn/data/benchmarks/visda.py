"""VisDA-2017 classification (Peng et al., 2017): 12 classes, synthetic renders → real photos.

The synthetic domain is the challenge's ``train`` folder (PNG renders), the real domain its
``validation`` folder (photos), as in the published tables.
"""

from dalearn.data.benchmarks.spec import BenchmarkSpec, Domain, Resource

_HOST = "https://cloud.tsinghua.edu.cn/f"

VISDA = BenchmarkSpec(
    name="visda",
    title="VisDA-2017",
    classes=(
        "aeroplane", "bicycle", "bus", "car", "horse", "knife",
        "motorcycle", "person", "plant", "skateboard", "train", "truck",
    ),
    domains=(
        Domain("Synthetic", "train", {"all": "image_list/train.txt"}, "train", "train/<class>/*.png", {"all": 152397}),
        Domain(
            "Real", "validation", {"all": "image_list/validation.txt"}, "validation", "validation/<class>/*.jpg",
            {"all": 55388},
        ),
    ),
    resources=(
        Resource("image_list", "image_list.zip", f"{_HOST}/c107de37b8094c5398dc/?dl=1"),
        Resource("train", "train.tgz", f"{_HOST}/c5f3ce59139144ec8221/?dl=1"),
        Resource("validation", "validation.tgz", f"{_HOST}/da70e4b1cf514ecea562/?dl=1"),
    ),
    tasks=("Synthetic2Real",),
    homepage="http://ai.bu.edu/visda-2017/ (raw data: http://csr.bu.edu/ftp/visda17/clf/)",
)
