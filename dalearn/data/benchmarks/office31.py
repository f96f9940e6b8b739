"""Office-31 (Saenko et al., 2010): 31 office object classes in three domains.

Sources: the per-domain archives and the image lists are those Transfer-Learning-Library
(TLlib) downloads (Tsinghua cloud). The dataset's own page distributes the images as a single
archive of all three domains behind a Google Drive confirmation page and without the image
lists, so it cannot serve as an automatic fallback for one domain folder; it remains the manual
alternative (extract it so that the layout ``dalearn-data info office31`` prints exists).
Neither host publishes a checksum, so no SHA-256 is pinned (pin one with ``--sha256``).
"""

from dalearn.data.benchmarks.spec import BenchmarkSpec, Domain, Resource

_TLLIB = "https://cloud.tsinghua.edu.cn/f"

OFFICE31 = BenchmarkSpec(
    name="office31",
    title="Office-31",
    classes=(
        "back_pack",
        "bike",
        "bike_helmet",
        "bookcase",
        "bottle",
        "calculator",
        "desk_chair",
        "desk_lamp",
        "desktop_computer",
        "file_cabinet",
        "headphones",
        "keyboard",
        "laptop_computer",
        "letter_tray",
        "mobile_phone",
        "monitor",
        "mouse",
        "mug",
        "paper_notebook",
        "pen",
        "phone",
        "printer",
        "projector",
        "punchers",
        "ring_binder",
        "ruler",
        "scissors",
        "speaker",
        "stapler",
        "tape_dispenser",
        "trash_can",
    ),
    domains=(
        Domain("A", "amazon", {"all": "image_list/amazon.txt"}, "amazon", "amazon/images/<class>/*.jpg", {"all": 2817}),
        Domain("D", "dslr", {"all": "image_list/dslr.txt"}, "dslr", "dslr/images/<class>/*.jpg", {"all": 498}),
        Domain("W", "webcam", {"all": "image_list/webcam.txt"}, "webcam", "webcam/images/<class>/*.jpg", {"all": 795}),
    ),
    resources=(
        Resource("image_list", "image_list.zip", (f"{_TLLIB}/2c1dd9fbcaa9455aa4ad/?dl=1",)),
        Resource("amazon", "amazon.tgz", (f"{_TLLIB}/ec12dfcddade43ab8101/?dl=1",)),
        Resource("dslr", "dslr.tgz", (f"{_TLLIB}/a41d818ae2f34da7bb32/?dl=1",)),
        Resource("webcam", "webcam.tgz", (f"{_TLLIB}/8a41009a166e4131adcd/?dl=1",)),
    ),
    tasks=("A2W", "D2W", "W2D", "A2D", "D2A", "W2A"),
    homepage="https://faculty.cc.gatech.edu/~judy/domainadapt/",
)
