"""DomainNet, cleaned version (Peng et al., 2019): 345 classes in six domains, each with the
published ``_train`` and ``_test`` lists.

Convention of the published tables: train on the ``_train`` lists (source and target), select on
the target ``_train`` list, report on the target ``_test`` list.

Sources: the image folders from the dataset's own host (the cleaned ``<domain>.zip`` files of
the M3SDA page, which TLlib downloads too); the image lists as one zip from TLlib's
(Transfer-Learning-Library) Tsinghua cloud. The own host also publishes each list as a
separate ``<domain>_<split>.txt`` under ``http://csr.bu.edu/ftp/visda/2019/multi-source/domainnet/txt/``: fetched by hand into ``image_list/``
they are the manual alternative. No checksum is published, so no SHA-256 is pinned (pin one
with ``--sha256``).
"""

from dalearn.data.benchmarks.spec import BenchmarkSpec, Domain, Resource

_M3SDA = "http://csr.bu.edu/ftp/visda/2019/multi-source"


def _domain(key: str, name: str, n_train: int, n_test: int, extension: str = "jpg") -> Domain:
    lists = {"train": f"image_list/{name}_train.txt", "test": f"image_list/{name}_test.txt"}
    return Domain(key, name, lists, name, f"{name}/<class>/*.{extension}", {"train": n_train, "test": n_test})


DOMAINNET = BenchmarkSpec(
    name="domainnet",
    title="DomainNet",
    classes=(
        "aircraft_carrier", "airplane", "alarm_clock", "ambulance", "angel", "animal_migration", "ant", "anvil",
        "apple", "arm", "asparagus", "axe", "backpack", "banana", "bandage", "barn", "baseball", "baseball_bat",
        "basket", "basketball", "bat", "bathtub", "beach", "bear", "beard", "bed", "bee", "belt", "bench",
        "bicycle", "binoculars", "bird", "birthday_cake", "blackberry", "blueberry", "book", "boomerang",
        "bottlecap", "bowtie", "bracelet", "brain", "bread", "bridge", "broccoli", "broom", "bucket",
        "bulldozer", "bus", "bush", "butterfly", "cactus", "cake", "calculator", "calendar", "camel", "camera",
        "camouflage", "campfire", "candle", "cannon", "canoe", "car", "carrot", "castle", "cat", "ceiling_fan",
        "cello", "cell_phone", "chair", "chandelier", "church", "circle", "clarinet", "clock", "cloud",
        "coffee_cup", "compass", "computer", "cookie", "cooler", "couch", "cow", "crab", "crayon", "crocodile",
        "crown", "cruise_ship", "cup", "diamond", "dishwasher", "diving_board", "dog", "dolphin", "donut",
        "door", "dragon", "dresser", "drill", "drums", "duck", "dumbbell", "ear", "elbow", "elephant",
        "envelope", "eraser", "eye", "eyeglasses", "face", "fan", "feather", "fence", "finger", "fire_hydrant",
        "fireplace", "firetruck", "fish", "flamingo", "flashlight", "flip_flops", "floor_lamp", "flower",
        "flying_saucer", "foot", "fork", "frog", "frying_pan", "garden", "garden_hose", "giraffe", "goatee",
        "golf_club", "grapes", "grass", "guitar", "hamburger", "hammer", "hand", "harp", "hat", "headphones",
        "hedgehog", "helicopter", "helmet", "hexagon", "hockey_puck", "hockey_stick", "horse", "hospital",
        "hot_air_balloon", "hot_dog", "hot_tub", "hourglass", "house", "house_plant", "hurricane", "ice_cream",
        "jacket", "jail", "kangaroo", "key", "keyboard", "knee", "knife", "ladder", "lantern", "laptop", "leaf",
        "leg", "light_bulb", "lighter", "lighthouse", "lightning", "line", "lion", "lipstick", "lobster",
        "lollipop", "mailbox", "map", "marker", "matches", "megaphone", "mermaid", "microphone", "microwave",
        "monkey", "moon", "mosquito", "motorbike", "mountain", "mouse", "moustache", "mouth", "mug", "mushroom",
        "nail", "necklace", "nose", "ocean", "octagon", "octopus", "onion", "oven", "owl", "paintbrush",
        "paint_can", "palm_tree", "panda", "pants", "paper_clip", "parachute", "parrot", "passport", "peanut",
        "pear", "peas", "pencil", "penguin", "piano", "pickup_truck", "picture_frame", "pig", "pillow",
        "pineapple", "pizza", "pliers", "police_car", "pond", "pool", "popsicle", "postcard", "potato",
        "power_outlet", "purse", "rabbit", "raccoon", "radio", "rain", "rainbow", "rake", "remote_control",
        "rhinoceros", "rifle", "river", "roller_coaster", "rollerskates", "sailboat", "sandwich", "saw",
        "saxophone", "school_bus", "scissors", "scorpion", "screwdriver", "sea_turtle", "see_saw", "shark",
        "sheep", "shoe", "shorts", "shovel", "sink", "skateboard", "skull", "skyscraper", "sleeping_bag",
        "smiley_face", "snail", "snake", "snorkel", "snowflake", "snowman", "soccer_ball", "sock", "speedboat",
        "spider", "spoon", "spreadsheet", "square", "squiggle", "squirrel", "stairs", "star", "steak", "stereo",
        "stethoscope", "stitches", "stop_sign", "stove", "strawberry", "streetlight", "string_bean",
        "submarine", "suitcase", "sun", "swan", "sweater", "swing_set", "sword", "syringe", "table", "teapot",
        "teddy-bear", "telephone", "television", "tennis_racquet", "tent", "The_Eiffel_Tower",
        "The_Great_Wall_of_China", "The_Mona_Lisa", "tiger", "toaster", "toe", "toilet", "tooth", "toothbrush",
        "toothpaste", "tornado", "tractor", "traffic_light", "train", "tree", "triangle", "trombone", "truck",
        "trumpet", "t-shirt", "umbrella", "underwear", "van", "vase", "violin", "washing_machine", "watermelon",
        "waterslide", "whale", "wheel", "windmill", "wine_bottle", "wine_glass", "wristwatch", "yoga", "zebra",
        "zigzag",
    ),
    domains=(
        _domain("c", "clipart", 33525, 14604),
        _domain("i", "infograph", 36023, 15582),
        _domain("p", "painting", 50416, 21850),
        _domain("q", "quickdraw", 120750, 51750, extension="png"),
        _domain("r", "real", 120906, 52041),
        _domain("s", "sketch", 48212, 20916),
    ),
    resources=(
        Resource("image_list", "image_list.zip", ("https://cloud.tsinghua.edu.cn/f/90ecb35bbd374e5e8c41/?dl=1",)),
        Resource("clipart", "clipart.zip", (f"{_M3SDA}/groundtruth/clipart.zip",)),
        Resource("infograph", "infograph.zip", (f"{_M3SDA}/infograph.zip",)),
        Resource("painting", "painting.zip", (f"{_M3SDA}/groundtruth/painting.zip",)),
        Resource("quickdraw", "quickdraw.zip", (f"{_M3SDA}/quickdraw.zip",)),
        Resource("real", "real.zip", (f"{_M3SDA}/real.zip",)),
        Resource("sketch", "sketch.zip", (f"{_M3SDA}/sketch.zip",)),
    ),
    tasks=(
        "c2p", "c2r", "c2s", "p2c", "p2r", "p2s", "r2c", "r2p", "r2s", "s2c", "s2p", "s2r",
    ),
    train_split="train",
    test_split="test",
    homepage="http://ai.bu.edu/M3SDA/",
)
