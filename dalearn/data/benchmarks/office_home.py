"""Office-Home (Venkateswara et al., 2017): 65 classes in four domains.

The class order is the one the published image lists use (not alphabetical): labels come from
the lists and ``classes[label]`` names them.

Sources: the per-domain archives and the image lists TLlib (Transfer-Learning-Library)
downloads from the Tsinghua cloud; TLlib has published two generations of these links, the
later one is tried first and the earlier one next. The dataset's own page distributes one
zip of all four domains (with a ``Real World`` folder name and without the image lists)
behind Google Drive, so it is a manual alternative only. No checksum is published by either,
so no SHA-256 is pinned (pin one with ``--sha256``).
"""

from dalearn.data.benchmarks.spec import BenchmarkSpec, Domain, Resource

_TLLIB = "https://cloud.tsinghua.edu.cn/f"


def _links(*keys: str) -> tuple[str, ...]:
    return tuple(f"{_TLLIB}/{key}/?dl=1" for key in keys)


OFFICE_HOME = BenchmarkSpec(
    name="office_home",
    title="Office-Home",
    classes=(
        "Drill",
        "Exit_Sign",
        "Bottle",
        "Glasses",
        "Computer",
        "File_Cabinet",
        "Shelf",
        "Toys",
        "Sink",
        "Laptop",
        "Kettle",
        "Folder",
        "Keyboard",
        "Flipflops",
        "Pencil",
        "Bed",
        "Hammer",
        "ToothBrush",
        "Couch",
        "Bike",
        "Postit_Notes",
        "Mug",
        "Webcam",
        "Desk_Lamp",
        "Telephone",
        "Helmet",
        "Mouse",
        "Pen",
        "Monitor",
        "Mop",
        "Sneakers",
        "Notebook",
        "Backpack",
        "Alarm_Clock",
        "Push_Pin",
        "Paper_Clip",
        "Batteries",
        "Radio",
        "Fan",
        "Ruler",
        "Pan",
        "Screwdriver",
        "Trash_Can",
        "Printer",
        "Speaker",
        "Eraser",
        "Bucket",
        "Chair",
        "Calendar",
        "Calculator",
        "Flowers",
        "Lamp_Shade",
        "Spoon",
        "Candles",
        "Clipboards",
        "Scissors",
        "TV",
        "Curtains",
        "Fork",
        "Soda",
        "Table",
        "Knives",
        "Oven",
        "Refrigerator",
        "Marker",
    ),
    domains=(
        Domain("Ar", "Art", {"all": "image_list/Art.txt"}, "Art", "Art/<class>/*.jpg", {"all": 2427}),
        Domain("Cl", "Clipart", {"all": "image_list/Clipart.txt"}, "Clipart", "Clipart/<class>/*.jpg", {"all": 4365}),
        Domain("Pr", "Product", {"all": "image_list/Product.txt"}, "Product", "Product/<class>/*.jpg", {"all": 4439}),
        Domain(
            "Rw",
            "Real_World",
            {"all": "image_list/Real_World.txt"},
            "Real_World",
            "Real_World/<class>/*.jpg",
            {"all": 4357},
        ),
    ),
    resources=(
        Resource("image_list", "image_list.zip", _links("1b0171a188944313b1f5", "ca3a3b6a8d554905b4cd")),
        Resource("Art", "Art.tgz", _links("6a006656b9a14567ade2", "4691878067d04755beab")),
        Resource("Clipart", "Clipart.tgz", _links("ae88aa31d2d7411dad79", "0d41e7da4558408ea5aa")),
        Resource("Product", "Product.tgz", _links("f219b0ff35e142b3ab48", "76186deacd7c4fa0a679")),
        Resource("Real_World", "Real_World.tgz", _links("6c19f3f15bb24ed3951a", "dee961894cc64b1da1d7")),
    ),
    tasks=(
        "Ar2Cl",
        "Ar2Pr",
        "Ar2Rw",
        "Cl2Ar",
        "Cl2Pr",
        "Cl2Rw",
        "Pr2Ar",
        "Pr2Cl",
        "Pr2Rw",
        "Rw2Ar",
        "Rw2Cl",
        "Rw2Pr",
    ),
    homepage="https://www.hemanthdv.org/officeHomeDataset.html",
)
