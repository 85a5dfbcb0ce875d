"""Deterministic demo catalog: vocabulary, brands and a streaming product generator.

Pure Python, no database: ``generate_products(n, seed)`` yields ``ProductInput`` one at a time, so a
million products never sit in memory at once. Everything is drawn from one ``random.Random(seed)``
stream in a fixed order per product, so product ``i`` depends only on the seed and on ``i`` (a run
of 2,000 starts with the same 1,000 products as a run of 1,000, and growing the demo rewrites
nothing). Brand names and their categories come from a *fixed* seed, so they are the same whatever
seed the user picks.
"""

from __future__ import annotations

import math
import random
import re
from bisect import bisect
from collections.abc import Iterator
from dataclasses import dataclass
from decimal import Decimal
from itertools import accumulate
from typing import Any

from catalog.services import ProductInput

SKU_PREFIX = "DEMO-"
# Brands never depend on the user's seed: the demo's brand names stay stable across reseeds.
BRAND_SEED = 20_240_917
BRAND_COUNT = 168
INACTIVE_RATE = 0.02
OUT_OF_STOCK_RATE = 0.07


def sku_for(index: int) -> str:
    return f"{SKU_PREFIX}{index:07d}"


# --------------------------------------------------------------------------------------------
# Vocabulary
# --------------------------------------------------------------------------------------------

# fmt: off
APPAREL_COLORS = (
    "black", "white", "navy", "blue", "light blue", "red", "burgundy", "green", "olive", "grey",
    "charcoal", "beige", "cream", "pink", "blush", "lavender", "mustard", "brown", "camel", "teal",
)
SHOE_COLORS = ("black", "white", "grey", "navy", "blue", "red", "green", "brown", "tan", "beige", "pink", "orange", "olive")
TECH_COLORS = ("black", "white", "silver", "space grey", "graphite", "blue", "midnight blue", "rose gold", "green")
HOME_COLORS = ("white", "black", "grey", "beige", "sage green", "navy", "terracotta", "cream", "charcoal", "blush", "mustard")
WOOD_COLORS = ("walnut", "oak", "white", "black", "grey", "beige", "navy", "green", "cognac", "natural")
BRIGHT_COLORS = ("red", "blue", "yellow", "green", "orange", "purple", "pink", "multicolor", "teal", "white")
OUTDOOR_COLORS = ("black", "green", "orange", "grey", "blue", "olive", "red", "yellow", "navy")
METAL_TONES = ("gold", "silver", "rose gold", "white gold", "two-tone")
SHADES = ("nude", "rose", "berry", "coral", "red", "mocha", "peach", "plum", "ivory", "beige", "caramel", "mauve")

SIZE_CHARTS: dict[str, tuple[str, ...]] = {
    "women_alpha": ("XS", "S", "M", "L", "XL", "XXL"),
    "men_alpha": ("S", "M", "L", "XL", "XXL", "3XL"),
    "women_numeric": ("0", "2", "4", "6", "8", "10", "12", "14", "16", "18"),
    "men_waist": ("28", "29", "30", "31", "32", "33", "34", "36", "38", "40", "42"),
    "baby": ("0-3M", "3-6M", "6-12M", "12-18M", "18-24M", "2T", "3T", "4T"),
    # US shoe sizes by gender.
    "women_shoe": ("5", "5.5", "6", "6.5", "7", "7.5", "8", "8.5", "9", "9.5", "10", "10.5", "11", "12"),
    "men_shoe": ("7", "7.5", "8", "8.5", "9", "9.5", "10", "10.5", "11", "11.5", "12", "13", "14", "15"),
    "unisex_shoe": ("4", "5", "6", "7", "7.5", "8", "8.5", "9", "9.5", "10", "10.5", "11", "12", "13"),
}
SHOE_CHART_BY_GENDER = {"women": "women_shoe", "men": "men_shoe", "unisex": "unisex_shoe"}
GENDER_LABELS = {"women": "Women's", "men": "Men's", "unisex": "Unisex", "kids": "Baby"}
GENDER_FOR = {"women": "Women", "men": "Men", "unisex": "Everyone", "kids": "Babies"}

# Electronics specs, ordered from entry level to top end where the order means something, so a
# pricier product (higher in its price range) gets better specs. Keys are flat attribute keys.
SPEC_VALUES: dict[str, dict[str, tuple[Any, ...]]] = {
    "Laptops": {
        "storage": ("256 GB", "512 GB", "1 TB", "2 TB"),
        "ram": ("8 GB", "16 GB", "32 GB", "64 GB"),
        "screen_size": ("13.3 in", "14 in", "15.6 in", "16 in", "17.3 in"),
        "battery_hours": (6, 8, 10, 12, 14, 16, 18, 20, 22),
        "connectivity": ("Wi-Fi 6, Bluetooth 5.1", "Wi-Fi 6E, Bluetooth 5.3", "Wi-Fi 7, Bluetooth 5.4"),
    },
    "Headphones": {
        "battery_hours": (12, 20, 24, 30, 40, 50, 60),
        "connectivity": ("Bluetooth 5.0", "Bluetooth 5.2", "Bluetooth 5.3", "Bluetooth 5.3, 3.5 mm jack"),
    },
    "Smartphones": {
        "storage": ("64 GB", "128 GB", "256 GB", "512 GB", "1 TB"),
        "ram": ("4 GB", "6 GB", "8 GB", "12 GB", "16 GB"),
        "screen_size": ("6.1 in", "6.3 in", "6.5 in", "6.7 in", "6.8 in"),
        "battery_hours": (18, 20, 22, 24, 27, 30, 36),
        "connectivity": ("4G LTE", "5G", "5G, Wi-Fi 6E", "5G, Wi-Fi 7"),
    },
    "Tablets": {
        "storage": ("64 GB", "128 GB", "256 GB", "512 GB", "1 TB"),
        "ram": ("3 GB", "4 GB", "8 GB", "16 GB"),
        "screen_size": ("8.3 in", "10.2 in", "10.9 in", "11 in", "12.4 in", "12.9 in"),
        "battery_hours": (8, 9, 10, 11, 12, 13, 14),
        "connectivity": ("Wi-Fi", "Wi-Fi 6", "Wi-Fi 6 + 5G"),
    },
    "Smartwatches": {
        "battery_hours": (18, 24, 36, 48, 72, 120, 240, 336),
        "screen_size": ("1.2 in", "1.4 in", "1.6 in", "1.9 in"),
        "connectivity": ("Bluetooth", "Bluetooth + GPS", "Bluetooth + GPS + LTE"),
    },
    "Speakers": {
        "battery_hours": (6, 8, 10, 12, 16, 20, 24, 30),
        "connectivity": ("Bluetooth 5.0", "Bluetooth 5.3", "Bluetooth 5.3, Wi-Fi", "Wi-Fi multi-room"),
    },
    "Cameras": {
        "megapixels": (12, 20, 24, 26, 33, 45, 61),
        "video_resolution": ("Full HD", "4K", "5.3K", "6K", "8K"),
        "connectivity": ("USB-C", "Wi-Fi, USB-C", "Wi-Fi, Bluetooth, USB-C, HDMI"),
    },
    "Televisions": {
        "screen_size": ("32 in", "43 in", "50 in", "55 in", "65 in", "75 in", "85 in"),
        "resolution": ("HD", "Full HD", "4K", "4K", "8K"),
        "connectivity": ("Wi-Fi, HDMI", "Wi-Fi, Bluetooth, HDMI 2.1", "Wi-Fi 6, Bluetooth, HDMI 2.1, eARC"),
    },
    "Keyboards": {"connectivity": ("USB", "Bluetooth", "Bluetooth + 2.4 GHz", "Bluetooth + 2.4 GHz + USB-C")},
    "Mice": {
        "battery_hours": (200, 400, 1000, 2000),
        "connectivity": ("USB", "2.4 GHz wireless", "Bluetooth", "Bluetooth + 2.4 GHz"),
    },
    "Monitors": {
        "screen_size": ("21.5 in", "24 in", "27 in", "32 in", "34 in", "49 in"),
        "resolution": ("Full HD", "QHD", "QHD", "4K", "5K"),
        "connectivity": ("HDMI", "HDMI, DisplayPort", "HDMI, DisplayPort, USB-C", "Thunderbolt 4, HDMI"),
    },
    "External Storage": {
        "storage": ("128 GB", "500 GB", "1 TB", "2 TB", "4 TB", "8 TB"),
        "connectivity": ("USB-A 3.0", "USB-C 3.2", "Thunderbolt 3", "Thunderbolt 4"),
    },
    "Webcams": {"resolution": ("720p", "Full HD", "Full HD", "2K", "4K"), "connectivity": ("USB-A", "USB-C", "USB-C, Wi-Fi")},
    "Chargers & Cables": {"connectivity": ("USB-A", "USB-C", "USB-C, Qi wireless", "USB-C PD 3.1")},
    "Baby Monitors": {
        "screen_size": ("2.4 in", "3.5 in", "5 in"),
        "battery_hours": (6, 8, 10, 12, 20, 30),
        "connectivity": ("2.4 GHz radio", "Wi-Fi", "Wi-Fi + app"),
    },
    "Printers": {"connectivity": ("USB", "Wi-Fi, USB", "Wi-Fi, Ethernet, USB")},
    "Car Electronics": {"connectivity": ("12 V socket", "Bluetooth", "Wi-Fi, Bluetooth")},
}
# fmt: on


@dataclass(frozen=True, slots=True)
class Subcategory:
    top: str
    name: str
    low: int
    high: int
    nouns: tuple[str, ...]
    plural: bool
    kind: str  # apparel, shoes, electronics, goods, book, grocery
    colors: tuple[str, ...]
    materials: tuple[str, ...]
    styles: tuple[str, ...]
    features: tuple[str, ...]
    uses: tuple[str, ...]
    genders: tuple[str, ...]
    size_chart: str
    specs: tuple[str, ...]
    extras: tuple[tuple[str, tuple[Any, ...]], ...]
    term: str  # what a shopper types for this subcategory ("running shoes")
    weight: float

    @property
    def path(self) -> str:
        return f"{self.top} > {self.name}"


@dataclass(frozen=True, slots=True)
class TopCategory:
    name: str
    weight: float
    subcategories: tuple[Subcategory, ...]


def attribute_keys(sub: Subcategory) -> frozenset[str]:
    """The attribute keys every product of this subcategory carries."""
    keys = {"features"}
    if sub.colors:
        keys.add("color")
    if sub.materials:
        keys.add("material")
    if sub.styles:
        keys.add("style")
    if sub.genders:
        keys.update(("gender", "sizes"))
    if sub.kind == "book":
        keys.add("author")
    keys.update(sub.specs)
    keys.update(key for key, _ in sub.extras)
    return frozenset(keys)


def _top(name: str, weight: float, subs: list[dict[str, Any]], **defaults: Any) -> TopCategory:
    built = []
    for spec in subs:
        merged = {**defaults, **spec}
        sub_name = merged["name"]
        built.append(
            Subcategory(
                top=name,
                name=sub_name,
                low=merged["low"],
                high=merged["high"],
                nouns=tuple(merged["nouns"]),
                plural=merged.get("plural", False),
                kind=merged.get("kind", "goods"),
                colors=tuple(merged.get("colors", ())),
                materials=tuple(merged.get("materials", ())),
                styles=tuple(merged.get("styles", ())),
                features=tuple(merged["features"]),
                uses=tuple(merged["uses"]),
                genders=tuple(merged.get("genders", ())),
                size_chart=merged.get("size_chart", ""),
                specs=tuple(SPEC_VALUES.get(sub_name, {})),
                extras=tuple((k, tuple(v)) for k, v in merged.get("extras", {}).items()),
                term=merged.get("term", sub_name.lower()),
                weight=merged.get("weight", 1.0),
            )
        )
    return TopCategory(name=name, weight=weight, subcategories=tuple(built))


# fmt: off
_APPAREL_STYLES = ("casual", "classic", "relaxed", "fitted", "minimalist", "vintage", "sporty", "boho")
_FURNITURE_STYLES = ("modern", "mid-century", "scandinavian", "industrial", "farmhouse", "traditional", "minimalist")
_HOME_STYLES = ("modern", "boho", "farmhouse", "minimalist", "scandinavian", "coastal", "classic")
_BEAUTY_SIZES = ("15 ml", "30 ml", "50 ml", "100 ml", "200 ml")
_BOOK_EXTRAS = {"format": ("paperback", "hardcover", "large print"), "pages": tuple(range(96, 880, 16)), "language": ("English",)}
_BOOK_FEATURES = ("bestselling", "illustrated", "award-winning", "annotated", "revised", "signed")
_GROCERY_FEATURES = (
    "organic", "fair-trade", "gluten-free", "vegan", "non-GMO", "kosher", "sugar-free", "keto-friendly",
    "low-sodium", "high-protein", "small-batch",
)

# Price ranges (low, high) are whole US dollars; every product's price lies inside its subcategory's range.
TOP_CATEGORIES: tuple[TopCategory, ...] = (
    _top(
        "Women's Clothing", 9,
        kind="apparel", genders=("women",), size_chart="women_alpha", colors=APPAREL_COLORS, styles=_APPAREL_STYLES,
        materials=("cotton", "linen", "viscose", "polyester", "modal", "recycled polyester"),
        features=("breathable", "machine-washable", "lightweight", "stretchy", "soft", "wrinkle-resistant"),
        uses=("everyday wear", "the office", "weekend brunches", "travel", "date nights", "summer holidays"),
        subs=[
            {"name": "Dresses", "low": 25, "high": 180, "nouns": ("Wrap Dress", "Midi Dress", "Maxi Dress", "Shirt Dress", "Slip Dress", "Sundress"),
             "materials": ("cotton", "linen", "viscose", "silk", "chiffon", "jersey"),
             "uses": ("summer weddings", "date nights", "the office", "garden parties", "beach holidays")},
            {"name": "Tops & Blouses", "low": 15, "high": 90, "nouns": ("Blouse", "Tunic Top", "Tank Top", "Button-Down Shirt", "Knit Top"), "term": "tops"},
            {"name": "Sweaters & Cardigans", "low": 25, "high": 150, "nouns": ("Crewneck Sweater", "Cardigan", "Turtleneck Sweater", "Cable-Knit Sweater"),
             "materials": ("merino wool", "cashmere", "cotton", "wool blend", "alpaca"), "features": ("warm", "soft", "breathable", "machine-washable", "itch-free"),
             "uses": ("chilly evenings", "the office", "layering in autumn", "travel"), "term": "sweaters"},
            {"name": "Jeans", "low": 30, "high": 160, "plural": True, "size_chart": "women_numeric",
             "nouns": ("Skinny Jeans", "Straight-Leg Jeans", "Wide-Leg Jeans", "Mom Jeans", "Bootcut Jeans"),
             "materials": ("denim", "stretch denim", "organic cotton denim"), "features": ("stretchy", "high-rise", "durable", "fade-resistant", "soft")},
            {"name": "Leggings", "low": 15, "high": 80, "plural": True, "nouns": ("Leggings", "High-Waisted Leggings", "Yoga Leggings"),
             "materials": ("nylon", "spandex", "recycled polyester", "cotton"), "features": ("stretchy", "squat-proof", "moisture-wicking", "quick-dry", "breathable"),
             "uses": ("yoga", "running", "gym workouts", "lounging at home")},
            {"name": "Jackets & Coats", "low": 45, "high": 350, "nouns": ("Trench Coat", "Puffer Jacket", "Shacket", "Overcoat", "Rain Jacket", "Blazer"),
             "materials": ("wool", "down", "nylon", "polyester", "denim", "cotton twill", "faux leather"),
             "features": ("waterproof", "insulated", "windproof", "water-resistant", "packable", "lightweight", "warm"),
             "uses": ("winter commutes", "rainy days", "city walks", "autumn weekends"), "term": "jackets"},
            {"name": "Skirts", "low": 20, "high": 110, "nouns": ("Midi Skirt", "Pleated Skirt", "Mini Skirt", "A-Line Skirt", "Wrap Skirt")},
            {"name": "Activewear", "low": 20, "high": 110, "nouns": ("Sports Bra", "Running Tank", "Training Jacket", "Yoga Top"),
             "materials": ("polyester", "nylon", "spandex", "recycled polyester"), "styles": ("sporty", "fitted", "relaxed"),
             "features": ("moisture-wicking", "breathable", "quick-dry", "stretchy", "lightweight", "reflective"),
             "uses": ("yoga", "running", "gym workouts", "pilates", "hiking")},
            {"name": "Swimwear", "low": 20, "high": 120, "nouns": ("One-Piece Swimsuit", "Bikini Set", "Swim Cover-Up", "Tankini Set"),
             "materials": ("nylon", "spandex", "recycled nylon"), "features": ("chlorine-resistant", "quick-dry", "UV-protective", "stretchy"),
             "uses": ("beach holidays", "pool days", "lap swimming"), "term": "swimsuits"},
            {"name": "Pajamas & Loungewear", "low": 20, "high": 90, "nouns": ("Pajama Set", "Lounge Set", "Robe", "Nightgown"),
             "materials": ("cotton", "modal", "flannel", "satin", "fleece"), "features": ("soft", "breathable", "cozy", "machine-washable"),
             "uses": ("lazy Sundays", "lounging at home", "sleeping well"), "term": "pajamas"},
        ],
    ),
    _top(
        "Men's Clothing", 7,
        kind="apparel", genders=("men",), size_chart="men_alpha", colors=APPAREL_COLORS, styles=_APPAREL_STYLES,
        materials=("cotton", "organic cotton", "linen", "polyester", "cotton blend", "merino wool"),
        features=("breathable", "machine-washable", "lightweight", "stretchy", "soft", "wrinkle-resistant"),
        uses=("everyday wear", "the office", "weekend outings", "travel", "nights out"),
        subs=[
            {"name": "T-Shirts", "low": 10, "high": 50, "nouns": ("Crew Neck T-Shirt", "V-Neck T-Shirt", "Pocket Tee", "Graphic Tee", "Henley Shirt")},
            {"name": "Shirts", "low": 25, "high": 120, "nouns": ("Oxford Shirt", "Flannel Shirt", "Camp Collar Shirt", "Dress Shirt", "Polo Shirt")},
            {"name": "Sweaters & Hoodies", "low": 25, "high": 150, "nouns": ("Hoodie", "Quarter-Zip Sweater", "Crewneck Sweater", "Zip Hoodie", "Cardigan"),
             "materials": ("cotton fleece", "merino wool", "cashmere", "wool blend", "cotton"), "features": ("warm", "soft", "breathable", "machine-washable"),
             "term": "hoodies"},
            {"name": "Jeans", "low": 30, "high": 160, "plural": True, "size_chart": "men_waist", "nouns": ("Slim Jeans", "Straight Jeans", "Relaxed Jeans", "Tapered Jeans"),
             "materials": ("denim", "stretch denim", "selvedge denim", "organic cotton denim"), "features": ("stretchy", "durable", "fade-resistant", "soft")},
            {"name": "Chinos & Trousers", "low": 30, "high": 140, "plural": True, "size_chart": "men_waist",
             "nouns": ("Chinos", "Dress Trousers", "Cargo Pants", "Joggers"), "materials": ("cotton twill", "stretch cotton", "wool blend", "linen"), "term": "chinos"},
            {"name": "Jackets & Coats", "low": 50, "high": 400, "nouns": ("Parka", "Bomber Jacket", "Rain Jacket", "Overcoat", "Puffer Jacket", "Field Jacket"),
             "materials": ("wool", "down", "nylon", "waxed cotton", "polyester", "leather"),
             "features": ("waterproof", "insulated", "windproof", "water-resistant", "packable", "warm"),
             "uses": ("winter commutes", "rainy days", "hiking trips", "city walks"), "term": "jackets"},
            {"name": "Suits & Blazers", "low": 120, "high": 800, "nouns": ("Two-Piece Suit", "Blazer", "Sport Coat", "Tuxedo"),
             "materials": ("wool", "wool blend", "linen", "cotton", "velvet"), "styles": ("classic", "slim-fit", "modern", "tailored"),
             "features": ("wrinkle-resistant", "breathable", "stretchy", "fully-lined"), "uses": ("weddings", "job interviews", "the office", "formal events"),
             "term": "suits"},
            {"name": "Activewear", "low": 20, "high": 110, "nouns": ("Training Shirt", "Running Shirt", "Track Jacket", "Compression Top"),
             "materials": ("polyester", "nylon", "spandex", "recycled polyester"), "styles": ("sporty", "fitted", "relaxed"),
             "features": ("moisture-wicking", "breathable", "quick-dry", "stretchy", "lightweight", "reflective"), "uses": ("running", "gym workouts", "cycling", "hiking")},
            {"name": "Shorts", "low": 18, "high": 80, "plural": True, "size_chart": "men_waist", "nouns": ("Chino Shorts", "Swim Shorts", "Cargo Shorts", "Running Shorts"),
             "materials": ("cotton twill", "nylon", "polyester", "linen"), "uses": ("summer weekends", "beach days", "running", "barbecues")},
            {"name": "Underwear & Socks", "low": 8, "high": 45, "plural": True, "nouns": ("Boxer Briefs", "Crew Socks", "Ankle Socks", "Trunks"),
             "materials": ("cotton", "modal", "bamboo viscose", "merino wool"), "features": ("breathable", "moisture-wicking", "soft", "odor-resistant"),
             "uses": ("everyday wear", "workouts", "travel"), "term": "socks"},
        ],
    ),
    _top(
        "Shoes", 7,
        kind="shoes", genders=("women", "men", "unisex"), colors=SHOE_COLORS, plural=True,
        styles=("casual", "classic", "retro", "minimalist", "sporty"),
        subs=[
            {"name": "Running Shoes", "low": 40, "high": 180, "nouns": ("Running Shoes", "Trail Running Shoes", "Road Running Shoes", "Racing Shoes"),
             "materials": ("mesh", "engineered knit", "synthetic"), "styles": ("neutral", "stability", "minimalist", "max-cushion"),
             "features": ("cushioned", "breathable", "lightweight", "responsive", "supportive", "reflective", "grippy"),
             "uses": ("daily training runs", "marathon training", "treadmill workouts", "trail runs", "tempo runs")},
            {"name": "Sneakers", "low": 35, "high": 160, "nouns": ("Sneakers", "Low-Top Sneakers", "High-Top Sneakers", "Slip-On Sneakers", "Court Sneakers"),
             "materials": ("canvas", "leather", "suede", "knit", "synthetic"), "styles": ("casual", "retro", "minimalist", "streetwear", "classic"),
             "features": ("cushioned", "lightweight", "breathable", "vegan", "durable"), "uses": ("everyday wear", "city walks", "travel", "weekend outings")},
            {"name": "Boots", "low": 50, "high": 280, "nouns": ("Chelsea Boots", "Ankle Boots", "Winter Boots", "Combat Boots", "Rain Boots", "Lace-Up Boots"),
             "materials": ("leather", "suede", "rubber", "nubuck", "synthetic"), "styles": ("classic", "rugged", "western", "modern"),
             "features": ("waterproof", "insulated", "slip-resistant", "durable", "warm"), "uses": ("winter commutes", "rainy days", "city walks", "nights out")},
            {"name": "Sandals", "low": 15, "high": 120, "nouns": ("Slide Sandals", "Sport Sandals", "Flip-Flops", "Strappy Sandals"),
             "materials": ("leather", "rubber", "EVA foam", "cork", "synthetic"), "features": ("lightweight", "quick-dry", "cushioned", "water-friendly", "vegan"),
             "uses": ("beach days", "summer holidays", "poolside lounging", "city walks")},
            {"name": "Hiking Shoes", "low": 60, "high": 230, "nouns": ("Hiking Shoes", "Hiking Boots", "Approach Shoes", "Trail Shoes"),
             "materials": ("leather", "suede", "mesh", "nubuck", "synthetic"), "styles": ("rugged", "technical", "classic"),
             "features": ("waterproof", "grippy", "supportive", "breathable", "durable", "lightweight"),
             "uses": ("day hikes", "backpacking trips", "rocky trails", "muddy paths")},
            {"name": "Dress Shoes", "low": 60, "high": 300, "genders": ("women", "men"), "nouns": ("Oxford Shoes", "Loafers", "Derby Shoes", "Brogues", "Monk Strap Shoes"),
             "materials": ("leather", "patent leather", "suede", "vegan leather"), "styles": ("classic", "formal", "modern"),
             "features": ("cushioned", "breathable", "durable", "hand-stitched"), "uses": ("the office", "weddings", "formal events", "job interviews")},
            {"name": "Slippers", "low": 12, "high": 70, "nouns": ("Slippers", "Moccasin Slippers", "Slide Slippers", "Bootie Slippers"),
             "materials": ("fleece", "wool", "faux fur", "suede", "shearling"), "styles": ("cozy", "classic"),
             "features": ("warm", "cushioned", "machine-washable", "non-slip"), "uses": ("lounging at home", "cold mornings", "travel")},
        ],
    ),
    _top(
        "Bags & Accessories", 4,
        colors=APPAREL_COLORS, styles=("classic", "minimalist", "casual", "modern", "vintage"),
        subs=[
            {"name": "Handbags", "low": 30, "high": 450, "nouns": ("Tote Bag", "Crossbody Bag", "Shoulder Bag", "Clutch", "Satchel"),
             "materials": ("leather", "vegan leather", "canvas", "nylon", "suede"), "features": ("water-resistant", "vegan", "lightweight", "adjustable", "roomy"),
             "uses": ("work", "travel", "everyday errands", "evenings out")},
            {"name": "Backpacks", "low": 25, "high": 180, "nouns": ("Backpack", "Laptop Backpack", "Rolltop Backpack", "Daypack"),
             "materials": ("nylon", "recycled polyester", "canvas", "ripstop nylon"), "features": ("water-resistant", "padded", "lightweight", "anti-theft", "durable"),
             "uses": ("commuting", "school", "travel", "day hikes")},
            {"name": "Wallets", "low": 15, "high": 120, "nouns": ("Bifold Wallet", "Cardholder", "Zip Wallet", "Travel Wallet"),
             "materials": ("leather", "vegan leather", "canvas"), "features": ("RFID-blocking", "slim", "durable", "vegan"), "uses": ("everyday carry", "travel")},
            {"name": "Belts", "low": 15, "high": 90, "nouns": ("Dress Belt", "Reversible Belt", "Woven Belt", "Casual Belt"),
             "materials": ("leather", "suede", "canvas", "vegan leather"), "features": ("adjustable", "durable", "reversible"), "uses": ("the office", "everyday wear")},
            {"name": "Sunglasses", "low": 15, "high": 250, "plural": True, "nouns": ("Aviator Sunglasses", "Round Sunglasses", "Sport Sunglasses", "Cat-Eye Sunglasses"),
             "materials": ("acetate", "metal", "polycarbonate", "titanium"), "features": ("polarized", "UV-protective", "lightweight", "scratch-resistant"),
             "uses": ("summer holidays", "driving", "beach days", "cycling")},
            {"name": "Hats & Caps", "low": 12, "high": 60, "nouns": ("Baseball Cap", "Beanie", "Bucket Hat", "Sun Hat", "Fedora"),
             "materials": ("cotton", "wool", "straw", "acrylic", "polyester"), "features": ("adjustable", "breathable", "packable", "UV-protective", "warm"),
             "uses": ("sunny days", "winter walks", "festivals", "travel"), "term": "hats"},
            {"name": "Scarves & Wraps", "low": 12, "high": 90, "nouns": ("Knit Scarf", "Wrap Scarf", "Blanket Scarf", "Oversized Scarf"),
             "materials": ("wool", "cashmere", "silk", "cotton", "acrylic"), "features": ("soft", "warm", "lightweight", "hand-wash-only"),
             "uses": ("winter walks", "travel", "chilly evenings"), "term": "scarves"},
            {"name": "Luggage", "low": 60, "high": 450, "nouns": ("Carry-On Suitcase", "Checked Suitcase", "Duffel Bag", "Garment Bag"),
             "materials": ("polycarbonate", "aluminum", "nylon", "ballistic nylon"), "features": ("lightweight", "expandable", "durable", "water-resistant", "scratch-resistant"),
             "uses": ("weekend trips", "business travel", "long-haul flights"), "term": "suitcase"},
        ],
    ),
    _top(
        "Electronics", 7,
        kind="electronics", colors=TECH_COLORS, materials=("aluminum", "plastic", "recycled aluminum", "glass"),
        subs=[
            {"name": "Laptops", "low": 350, "high": 2500, "nouns": ("Laptop", "Ultrabook", "Gaming Laptop", "2-in-1 Laptop"),
             "features": ("lightweight", "backlit", "fast-charging", "touchscreen", "fanless"), "uses": ("remote work", "college", "gaming", "video editing", "travel")},
            {"name": "Headphones", "low": 20, "high": 450, "plural": True, "nouns": ("Over-Ear Headphones", "On-Ear Headphones", "Wireless Earbuds", "Sport Earbuds"),
             "materials": ("plastic", "aluminum", "memory foam", "vegan leather"),
             "features": ("wireless", "noise-cancelling", "sweat-resistant", "foldable", "lightweight"),
             "uses": ("commuting", "the gym", "long flights", "working from home", "gaming")},
            {"name": "Smartphones", "low": 150, "high": 1400, "nouns": ("Smartphone",),
             "features": ("water-resistant", "fast-charging", "dual-SIM", "unlocked"), "uses": ("photography", "gaming", "streaming", "staying connected")},
            {"name": "Tablets", "low": 120, "high": 1300, "nouns": ("Tablet", "Mini Tablet", "Pro Tablet"),
             "features": ("lightweight", "stylus-compatible", "fast-charging", "kid-friendly"), "uses": ("reading", "streaming", "drawing", "note-taking", "travel")},
            {"name": "Smartwatches", "low": 50, "high": 800, "nouns": ("Smartwatch", "Fitness Smartwatch", "GPS Running Watch"),
             "materials": ("aluminum", "stainless steel", "titanium", "plastic"), "features": ("waterproof", "lightweight", "GPS-enabled", "sleep-tracking"),
             "uses": ("running", "fitness tracking", "swimming", "everyday wear")},
            {"name": "Speakers", "low": 25, "high": 500, "nouns": ("Bluetooth Speaker", "Smart Speaker", "Soundbar", "Portable Speaker"),
             "materials": ("fabric", "aluminum", "plastic", "rubber"), "features": ("wireless", "waterproof", "portable", "rugged", "voice-controlled"),
             "uses": ("parties", "the beach", "movie nights", "camping")},
            {"name": "Cameras", "low": 150, "high": 2800, "nouns": ("Mirrorless Camera", "Action Camera", "Compact Camera", "DSLR Camera"),
             "materials": ("magnesium alloy", "plastic", "aluminum"), "features": ("weather-sealed", "compact", "lightweight", "waterproof", "stabilized"),
             "uses": ("travel photography", "vlogging", "wildlife photography", "family events")},
            {"name": "Televisions", "low": 200, "high": 3000, "nouns": ("Smart TV", "OLED TV", "QLED TV", "LED TV"),
             "materials": ("plastic", "aluminum"), "features": ("HDR-capable", "voice-controlled", "wall-mountable", "slim"),
             "uses": ("movie nights", "sports", "gaming"), "term": "tv"},
        ],
    ),
    _top(
        "Computer Accessories", 5,
        kind="electronics", colors=TECH_COLORS, materials=("plastic", "aluminum", "recycled plastic"),
        subs=[
            {"name": "Keyboards", "low": 20, "high": 200, "nouns": ("Mechanical Keyboard", "Wireless Keyboard", "Ergonomic Keyboard", "Compact Keyboard"),
             "materials": ("aluminum", "plastic", "PBT plastic"), "features": ("wireless", "backlit", "ergonomic", "quiet", "rechargeable"),
             "uses": ("typing all day", "gaming", "programming", "the home office")},
            {"name": "Mice", "low": 10, "high": 130, "nouns": ("Wireless Mouse", "Gaming Mouse", "Ergonomic Mouse", "Travel Mouse"),
             "features": ("wireless", "ergonomic", "silent-click", "rechargeable", "lightweight"), "uses": ("gaming", "the home office", "travel"), "term": "mouse"},
            {"name": "Monitors", "low": 100, "high": 1200, "nouns": ("Monitor", "Gaming Monitor", "Curved Monitor", "Portable Monitor"),
             "features": ("flicker-free", "height-adjustable", "curved", "HDR-capable"), "uses": ("gaming", "photo editing", "the home office", "programming")},
            {"name": "Phone Cases", "low": 8, "high": 40, "nouns": ("Phone Case", "Clear Phone Case", "Wallet Phone Case", "Rugged Phone Case"),
             "materials": ("silicone", "TPU", "leather", "polycarbonate", "recycled plastic"),
             "features": ("shockproof", "slim", "magnetic", "scratch-resistant", "eco-friendly"), "uses": ("everyday protection", "outdoor adventures"),
             "extras": {"fits": ("6.1 in phones", "6.3 in phones", "6.7 in phones", "6.8 in phones")}},
            {"name": "Chargers & Cables", "low": 8, "high": 60, "nouns": ("USB-C Charger", "Charging Cable", "Wireless Charging Pad", "Power Bank"),
             "materials": ("braided nylon", "plastic", "aluminum"), "features": ("fast-charging", "compact", "braided", "foldable"),
             "uses": ("travel", "the nightstand", "the office"), "extras": {"wattage": ("20 W", "30 W", "45 W", "65 W", "100 W", "140 W")}, "term": "charger"},
            {"name": "External Storage", "low": 40, "high": 350, "nouns": ("Portable SSD", "External Hard Drive", "USB Flash Drive"),
             "features": ("shock-resistant", "compact", "encrypted", "fast"), "uses": ("backups", "video projects", "travel"), "term": "external ssd"},
            {"name": "Webcams", "low": 25, "high": 200, "nouns": ("Webcam", "4K Webcam", "Streaming Webcam"),
             "features": ("autofocus", "low-light", "plug-and-play", "privacy-shuttered"), "uses": ("video calls", "streaming", "online classes"), "term": "webcam"},
        ],
    ),
    _top(
        "Home & Kitchen", 8,
        colors=HOME_COLORS, styles=_HOME_STYLES,
        subs=[
            {"name": "Cookware", "low": 20, "high": 400, "nouns": ("Frying Pan", "Saucepan", "Dutch Oven", "Cookware Set", "Wok"),
             "materials": ("stainless steel", "cast iron", "enameled cast iron", "hard-anodized aluminum", "ceramic", "copper"),
             "features": ("non-stick", "dishwasher-safe", "oven-safe", "induction-compatible", "PFOA-free"),
             "uses": ("everyday cooking", "searing steaks", "slow braises", "stir-fries")},
            {"name": "Coffee Makers", "low": 25, "high": 600, "nouns": ("Drip Coffee Maker", "Espresso Machine", "French Press", "Pour-Over Coffee Maker", "Cold Brew Maker"),
             "materials": ("stainless steel", "glass", "plastic", "borosilicate glass"), "features": ("programmable", "dishwasher-safe", "compact", "BPA-free", "automatic"),
             "uses": ("morning routines", "the office kitchen", "entertaining guests"), "extras": {"capacity": ("1 cup", "4 cups", "8 cups", "10 cups", "12 cups")},
             "term": "coffee maker"},
            {"name": "Blenders", "low": 25, "high": 450, "nouns": ("Blender", "Personal Blender", "Immersion Blender", "High-Speed Blender"),
             "materials": ("stainless steel", "Tritan plastic", "glass"), "features": ("dishwasher-safe", "powerful", "BPA-free", "quiet", "portable"),
             "uses": ("smoothies", "soups", "nut butters", "meal prep"), "extras": {"wattage": ("300 W", "600 W", "900 W", "1200 W", "1500 W")}, "term": "blender"},
            {"name": "Knives & Cutlery", "low": 15, "high": 300, "nouns": ("Chef's Knife", "Knife Set", "Paring Knife", "Santoku Knife", "Steak Knife Set"),
             "materials": ("German stainless steel", "Damascus steel", "high-carbon steel", "ceramic"),
             "features": ("full-tang", "ergonomic", "rust-resistant", "razor-sharp"), "uses": ("everyday cooking", "meal prep", "carving roasts"), "term": "knives"},
            {"name": "Bedding", "low": 25, "high": 350, "nouns": ("Duvet Cover Set", "Sheet Set", "Comforter", "Quilt", "Pillowcase Set"),
             "materials": ("cotton percale", "cotton sateen", "linen", "bamboo", "microfiber", "flannel"),
             "features": ("breathable", "hypoallergenic", "cooling", "machine-washable", "organic", "soft"),
             "uses": ("hot sleepers", "guest rooms", "cozy winter nights"), "extras": {"bed_size": ("Twin", "Full", "Queen", "King", "California King")}},
            {"name": "Bath Towels", "low": 12, "high": 90, "nouns": ("Bath Towel Set", "Hand Towel Set", "Bath Sheet", "Beach Towel"),
             "materials": ("Turkish cotton", "Egyptian cotton", "bamboo", "microfiber"), "features": ("absorbent", "quick-dry", "soft", "plush", "organic"),
             "uses": ("everyday use", "guest bathrooms", "the gym", "beach days"), "term": "towels"},
            {"name": "Storage & Organization", "low": 10, "high": 80, "nouns": ("Storage Bin Set", "Drawer Organizer", "Pantry Container Set", "Closet Organizer"),
             "materials": ("bamboo", "plastic", "fabric", "wire", "glass"), "features": ("stackable", "collapsible", "BPA-free", "airtight", "space-saving"),
             "uses": ("small apartments", "pantry organization", "closet makeovers"), "term": "storage bins"},
            {"name": "Dinnerware", "low": 20, "high": 200, "nouns": ("Dinnerware Set", "Pasta Bowl Set", "Dinner Plate Set", "Mug Set"),
             "materials": ("stoneware", "porcelain", "bone china", "ceramic", "glass"), "features": ("dishwasher-safe", "microwave-safe", "chip-resistant", "handmade"),
             "uses": ("everyday meals", "dinner parties", "holiday hosting")},
            {"name": "Home Decor", "low": 12, "high": 200, "nouns": ("Throw Pillow", "Wall Mirror", "Scented Candle", "Vase", "Throw Blanket", "Picture Frame"),
             "materials": ("ceramic", "brass", "linen", "velvet", "glass", "rattan", "soy wax"), "features": ("handmade", "sustainable", "lightweight", "easy-to-hang"),
             "uses": ("living rooms", "bedrooms", "housewarming gifts")},
            {"name": "Vacuum Cleaners", "low": 60, "high": 700, "nouns": ("Cordless Stick Vacuum", "Robot Vacuum", "Upright Vacuum", "Handheld Vacuum"),
             "materials": ("plastic", "aluminum"), "styles": ("compact", "modern"), "features": ("cordless", "bagless", "lightweight", "pet-friendly", "quiet"),
             "uses": ("pet hair", "hardwood floors", "carpets", "quick clean-ups"), "term": "vacuum"},
        ],
    ),
    _top(
        "Furniture", 4,
        colors=WOOD_COLORS, styles=_FURNITURE_STYLES,
        subs=[
            {"name": "Sofas", "low": 350, "high": 3000, "nouns": ("Sofa", "Sectional Sofa", "Loveseat", "Sleeper Sofa"),
             "materials": ("performance fabric", "velvet", "linen", "leather", "boucle"), "features": ("stain-resistant", "modular", "pet-friendly", "easy-to-assemble"),
             "uses": ("family movie nights", "small living rooms", "entertaining guests"), "term": "sofa"},
            {"name": "Office Chairs", "low": 80, "high": 1200, "nouns": ("Office Chair", "Ergonomic Chair", "Gaming Chair", "Task Chair"),
             "materials": ("mesh", "leather", "fabric", "vegan leather"), "features": ("ergonomic", "height-adjustable", "breathable", "padded"),
             "uses": ("long workdays", "the home office", "gaming"), "term": "office chair"},
            {"name": "Desks", "low": 90, "high": 1200, "nouns": ("Standing Desk", "Writing Desk", "Corner Desk", "Computer Desk"),
             "materials": ("solid oak", "walnut veneer", "bamboo", "engineered wood", "steel"), "features": ("height-adjustable", "easy-to-assemble", "sturdy", "space-saving"),
             "uses": ("the home office", "small spaces", "studying"), "term": "desk"},
            {"name": "Beds & Frames", "low": 180, "high": 2200, "nouns": ("Platform Bed", "Upholstered Bed", "Storage Bed", "Bed Frame"),
             "materials": ("solid wood", "metal", "velvet", "solid pine", "linen"), "features": ("sturdy", "easy-to-assemble", "noise-free", "storage-friendly"),
             "uses": ("master bedrooms", "guest rooms", "small apartments"), "extras": {"bed_size": ("Twin", "Full", "Queen", "King", "California King")},
             "term": "bed frame"},
            {"name": "Bookcases & Shelves", "low": 40, "high": 500, "nouns": ("Bookcase", "Floating Shelf Set", "Ladder Shelf", "Cube Organizer"),
             "materials": ("solid pine", "engineered wood", "oak", "metal", "bamboo"), "features": ("sturdy", "easy-to-assemble", "space-saving", "wall-mountable"),
             "uses": ("home libraries", "living rooms", "kids' rooms"), "term": "bookcase"},
            {"name": "Dining Tables", "low": 150, "high": 2000, "nouns": ("Dining Table", "Extendable Dining Table", "Round Dining Table", "Bistro Table"),
             "materials": ("solid oak", "acacia wood", "marble", "glass", "walnut"), "features": ("extendable", "sturdy", "scratch-resistant", "easy-to-assemble"),
             "uses": ("family dinners", "small kitchens", "dinner parties"), "term": "dining table"},
            {"name": "Outdoor Furniture", "low": 80, "high": 1500, "nouns": ("Patio Set", "Outdoor Lounge Chair", "Garden Bench", "Hammock"),
             "materials": ("teak", "aluminum", "resin wicker", "acacia wood", "steel"), "features": ("weather-resistant", "UV-resistant", "foldable", "rust-proof"),
             "uses": ("patios", "balconies", "summer evenings"), "term": "patio furniture"},
            {"name": "Lighting", "low": 20, "high": 400, "nouns": ("Floor Lamp", "Pendant Light", "Desk Lamp", "Table Lamp"),
             "materials": ("brass", "metal", "rattan", "glass", "linen"), "features": ("dimmable", "energy-efficient", "adjustable", "LED"),
             "uses": ("reading nooks", "living rooms", "bedside tables"), "term": "lamp"},
        ],
    ),
    _top(
        "Beauty", 6,
        features=("vegan", "cruelty-free", "fragrance-free", "paraben-free", "organic", "hypoallergenic"),
        subs=[
            {"name": "Skincare", "low": 8, "high": 120, "nouns": ("Face Moisturizer", "Vitamin C Serum", "Gentle Cleanser", "Night Cream", "Mineral Sunscreen", "Eye Cream"),
             "features": ("vegan", "cruelty-free", "fragrance-free", "hydrating", "non-comedogenic", "organic", "paraben-free"),
             "uses": ("morning routines", "evening routines", "daily hydration"),
             "extras": {"skin_type": ("dry", "oily", "combination", "sensitive", "all skin types"), "size": _BEAUTY_SIZES}},
            {"name": "Makeup", "low": 6, "high": 70, "nouns": ("Lipstick", "Liquid Foundation", "Volumizing Mascara", "Eyeshadow Palette", "Cream Blush", "Concealer"),
             "colors": SHADES, "features": ("long-lasting", "vegan", "cruelty-free", "waterproof", "smudge-proof"),
             "uses": ("everyday looks", "evenings out", "weddings"), "extras": {"finish": ("matte", "satin", "dewy", "shimmer")}},
            {"name": "Hair Care", "low": 6, "high": 60, "nouns": ("Shampoo", "Conditioner", "Hair Mask", "Hair Oil", "Styling Cream"),
             "features": ("sulfate-free", "vegan", "moisturizing", "volumizing", "silicone-free"), "uses": ("frizzy hair", "color-treated hair", "daily washing"),
             "extras": {"hair_type": ("curly", "straight", "fine", "thick", "all hair types"), "scent": ("unscented", "coconut", "lavender", "citrus", "rosemary mint"),
                        "size": ("250 ml", "400 ml", "1 l")}},
            {"name": "Fragrance", "low": 20, "high": 200, "nouns": ("Eau de Parfum", "Eau de Toilette", "Body Mist", "Cologne"),
             "features": ("long-lasting", "vegan", "travel-size", "alcohol-free"), "uses": ("date nights", "everyday wear", "gifting"),
             "extras": {"scent_family": ("floral", "woody", "citrus", "fresh", "amber", "gourmand"), "size": ("10 ml", "30 ml", "50 ml", "100 ml")}, "term": "perfume"},
            {"name": "Nail Care", "low": 4, "high": 30, "nouns": ("Nail Polish", "Gel Polish Kit", "Nail File Set", "Cuticle Oil"),
             "colors": SHADES, "features": ("chip-resistant", "quick-dry", "vegan", "long-lasting"), "uses": ("at-home manicures", "weekend pampering"),
             "term": "nail polish"},
            {"name": "Beauty Tools", "low": 10, "high": 300, "nouns": ("Hair Dryer", "Hair Straightener", "Curling Iron", "Makeup Brush Set", "Facial Roller"),
             "colors": ("black", "white", "rose gold", "pink", "silver"), "materials": ("ceramic", "tourmaline", "titanium", "jade", "synthetic bristle"),
             "features": ("ionic", "lightweight", "fast-heating", "cordless", "travel-friendly"), "uses": ("daily styling", "travel", "salon-style blowouts"),
             "term": "hair dryer"},
        ],
    ),
    _top(
        "Sports & Outdoors", 6,
        colors=OUTDOOR_COLORS, styles=("technical", "classic", "sporty"),
        subs=[
            {"name": "Camping Tents", "low": 50, "high": 600, "nouns": ("2-Person Tent", "4-Person Tent", "Backpacking Tent", "Family Tent"),
             "materials": ("ripstop nylon", "polyester", "canvas"), "features": ("waterproof", "lightweight", "freestanding", "windproof", "packable"),
             "uses": ("backpacking trips", "family camping", "music festivals"), "term": "tent"},
            {"name": "Sleeping Bags", "low": 30, "high": 350, "nouns": ("Sleeping Bag", "Mummy Sleeping Bag", "Rectangular Sleeping Bag"),
             "materials": ("down", "synthetic insulation", "polyester"), "features": ("lightweight", "compressible", "water-resistant", "warm"),
             "uses": ("backpacking trips", "car camping", "cold nights"), "extras": {"temperature_rating": ("0°F", "15°F", "20°F", "30°F", "40°F")}, "term": "sleeping bag"},
            {"name": "Yoga & Fitness", "low": 10, "high": 200, "nouns": ("Yoga Mat", "Resistance Band Set", "Adjustable Dumbbell", "Foam Roller", "Kettlebell", "Jump Rope"),
             "materials": ("natural rubber", "TPE", "cork", "neoprene", "cast iron", "EVA foam"), "features": ("non-slip", "eco-friendly", "portable", "durable", "sweat-resistant"),
             "uses": ("home workouts", "yoga", "strength training", "physical therapy"), "term": "yoga mat"},
            {"name": "Bicycles", "low": 200, "high": 3000, "nouns": ("Road Bike", "Mountain Bike", "Hybrid Bike", "Electric Bike", "Gravel Bike"),
             "materials": ("aluminum", "carbon fiber", "steel", "chromoly steel"), "features": ("lightweight", "full-suspension", "foldable", "durable"),
             "uses": ("commuting", "trail riding", "weekend rides", "long-distance touring"),
             "extras": {"frame_size": ("S", "M", "L", "XL"), "gears": ("1-speed", "8-speed", "11-speed", "12-speed", "21-speed")}, "term": "bike"},
            {"name": "Cycling Accessories", "low": 10, "high": 150, "nouns": ("Bike Helmet", "Bike Light Set", "U-Lock", "Saddle Bag", "Bike Pump"),
             "materials": ("polycarbonate", "hardened steel", "aluminum", "nylon"), "features": ("lightweight", "rechargeable", "reflective", "durable"),
             "uses": ("commuting", "night rides", "weekend rides"), "term": "bike helmet"},
            {"name": "Water Bottles", "low": 8, "high": 45, "nouns": ("Insulated Water Bottle", "Sports Bottle", "Tumbler", "Filter Bottle"),
             "materials": ("stainless steel", "Tritan plastic", "glass", "silicone"), "features": ("insulated", "leak-proof", "BPA-free", "dishwasher-safe"),
             "uses": ("the gym", "hiking", "the office", "road trips"), "extras": {"capacity": ("16 oz", "24 oz", "32 oz", "40 oz")}, "term": "water bottle"},
            {"name": "Fishing", "low": 15, "high": 400, "nouns": ("Spinning Rod", "Fishing Reel", "Tackle Box", "Rod and Reel Combo"),
             "materials": ("graphite", "fiberglass", "aluminum", "carbon fiber"), "features": ("lightweight", "corrosion-resistant", "sensitive", "durable"),
             "uses": ("lake fishing", "fly fishing trips", "saltwater fishing"), "term": "fishing rod"},
            {"name": "Team Sports", "low": 10, "high": 120, "nouns": ("Soccer Ball", "Basketball", "Volleyball", "Baseball Glove", "Shin Guard Set"),
             "materials": ("synthetic leather", "rubber", "leather", "composite leather"), "features": ("durable", "official-size", "all-weather", "grippy"),
             "uses": ("team practice", "backyard games", "league matches")},
        ],
    ),
    _top(
        "Toys & Games", 5,
        colors=BRIGHT_COLORS,
        extras={"age_range": ("0+", "3+", "5+", "8+", "12+", "14+")},
        subs=[
            {"name": "Building Sets", "low": 10, "high": 250, "nouns": ("Building Set", "Construction Kit", "Magnetic Tile Set", "Brick Set"),
             "materials": ("ABS plastic", "wood", "recycled plastic"), "features": ("educational", "STEM-friendly", "creative", "stackable"),
             "uses": ("rainy afternoons", "family building time", "birthday gifts"),
             "extras": {"age_range": ("3+", "5+", "8+", "12+"), "pieces": (50, 100, 250, 500, 1000, 2000)}, "term": "building blocks"},
            {"name": "Board Games", "low": 12, "high": 80, "nouns": ("Strategy Board Game", "Family Board Game", "Party Game", "Card Game", "Cooperative Board Game"),
             "materials": ("cardboard", "wood", "recycled cardboard"), "features": ("family-friendly", "educational", "quick-to-learn", "replayable"),
             "uses": ("family game nights", "parties", "holiday gatherings"),
             "extras": {"age_range": ("5+", "8+", "10+", "14+"), "players": ("2 players", "2-4 players", "2-6 players", "3-8 players")}},
            {"name": "Puzzles", "low": 8, "high": 45, "nouns": ("Jigsaw Puzzle", "3D Puzzle", "Wooden Puzzle"),
             "materials": ("cardboard", "wood", "recycled cardboard"), "features": ("educational", "family-friendly", "glare-free"),
             "uses": ("quiet evenings", "family time", "gifts"), "extras": {"age_range": ("3+", "8+", "12+"), "pieces": (100, 300, 500, 1000, 1500, 2000)}},
            {"name": "Dolls & Action Figures", "low": 8, "high": 80, "nouns": ("Fashion Doll", "Action Figure", "Dollhouse", "Baby Doll"),
             "materials": ("vinyl", "plastic", "wood", "cloth"), "features": ("poseable", "collectible", "washable"), "uses": ("imaginative play", "birthday gifts"),
             "term": "dolls"},
            {"name": "Remote Control Toys", "low": 20, "high": 200, "nouns": ("RC Car", "Mini Drone", "RC Monster Truck", "RC Boat"),
             "materials": ("plastic", "aluminum", "ABS plastic"), "features": ("rechargeable", "durable", "fast", "all-terrain"),
             "uses": ("backyard racing", "outdoor fun", "birthday gifts"), "term": "rc car"},
            {"name": "Educational Toys", "low": 10, "high": 90, "nouns": ("Coding Robot", "Science Kit", "Shape Sorter", "Microscope Kit", "Learning Clock"),
             "materials": ("plastic", "wood", "recycled plastic"), "features": ("educational", "STEM-friendly", "screen-free", "battery-free"),
             "uses": ("homeschooling", "rainy afternoons", "curious kids"), "term": "stem toys"},
            {"name": "Outdoor Play", "low": 20, "high": 350, "nouns": ("Trampoline", "Swing Set", "Kids' Scooter", "Water Table", "Playhouse"),
             "materials": ("steel", "cedar wood", "plastic", "aluminum"), "features": ("weather-resistant", "sturdy", "foldable", "easy-to-assemble"),
             "uses": ("backyard play", "summer days", "active kids")},
            {"name": "Plush Toys", "low": 8, "high": 50, "nouns": ("Teddy Bear", "Plush Unicorn", "Stuffed Dinosaur", "Plush Bunny"),
             "materials": ("polyester plush", "organic cotton", "recycled polyester"), "features": ("soft", "washable", "hypoallergenic", "cuddly"),
             "uses": ("bedtime", "baby showers", "birthday gifts"), "term": "stuffed animals"},
        ],
    ),
    _top(
        "Books", 5,
        kind="book", features=_BOOK_FEATURES, extras=_BOOK_EXTRAS,
        uses=("book clubs", "long flights", "quiet weekends", "gifting"),
        subs=[
            # For books the "nouns" are title patterns filled from _BOOK_WORDS.
            {"name": "Fiction", "low": 8, "high": 30, "nouns": ("The {adj} {noun}", "{noun} of {place}", "A {noun} in {place}"),
             "extras": {**_BOOK_EXTRAS, "genre": ("literary novel", "historical novel", "contemporary novel")}, "term": "novels"},
            {"name": "Mystery & Thriller", "low": 8, "high": 30, "nouns": ("The {noun} Murders", "Death at the {adj} {noun}", "The {adj} Witness"),
             "extras": {**_BOOK_EXTRAS, "genre": ("mystery novel", "thriller", "crime novel")}, "term": "mystery novels"},
            {"name": "Science Fiction & Fantasy", "low": 8, "high": 32, "nouns": ("The {adj} Stars", "Children of the {adj} {noun}", "The {noun} of {place}"),
             "extras": {**_BOOK_EXTRAS, "genre": ("science fiction novel", "fantasy novel", "space opera")}, "term": "fantasy books"},
            {"name": "Romance", "low": 6, "high": 25, "nouns": ("A {adj} Summer", "Letters from {place}", "The {adj} Promise"),
             "extras": {**_BOOK_EXTRAS, "genre": ("romance novel", "romantic comedy", "historical romance")}, "term": "romance novels"},
            {"name": "Cookbooks", "low": 12, "high": 45, "nouns": ("{cuisine} Kitchen", "The {cuisine} Table", "Simply {cuisine}"),
             "extras": {**_BOOK_EXTRAS, "genre": ("cookbook", "baking book", "vegetarian cookbook")}},
            {"name": "Biographies & Memoirs", "low": 10, "high": 35, "nouns": ("{person}: A Life", "The {adj} Years", "Becoming {person}"),
             "extras": {**_BOOK_EXTRAS, "genre": ("biography", "memoir")}, "term": "biographies"},
            {"name": "Children's Books", "low": 5, "high": 25, "nouns": ("The {adj} Little {animal}", "Goodnight, {animal}", "The {animal} Who Loved {noun}s"),
             "extras": {**_BOOK_EXTRAS, "pages": tuple(range(24, 240, 8)), "genre": ("picture book", "early reader", "middle-grade novel")}, "uses": ("bedtime stories", "early readers", "gifting"),
             "term": "children's books"},
            {"name": "Self-Help", "low": 10, "high": 30, "nouns": ("The {adj} Habit", "The Art of {adj} Living", "Small Steps, {adj} Life"),
             "extras": {**_BOOK_EXTRAS, "genre": ("self-help book", "productivity guide", "wellness guide")}, "term": "self-help books"},
            {"name": "History", "low": 12, "high": 40, "nouns": ("The {adj} Empire", "{place}: A History", "The Road to {place}"),
             "extras": {**_BOOK_EXTRAS, "genre": ("history book", "military history", "world history")}, "term": "history books"},
            {"name": "Business & Money", "low": 12, "high": 40, "nouns": ("The {adj} Company", "Thinking in {noun}s", "The {adj} Investor"),
             "extras": {**_BOOK_EXTRAS, "genre": ("business book", "personal finance guide", "leadership book")}, "term": "business books"},
        ],
    ),
    _top(
        "Baby", 3,
        colors=("white", "grey", "sage green", "blush", "navy", "cream", "light blue", "mustard"), styles=("classic", "modern", "playful"),
        extras={"age_range": ("0-6 months", "6-12 months", "12-24 months", "0-24 months")},
        subs=[
            {"name": "Strollers", "low": 80, "high": 1200, "nouns": ("Stroller", "Jogging Stroller", "Travel System", "Compact Stroller", "Double Stroller"),
             "materials": ("aluminum", "steel", "polyester"), "features": ("foldable", "lightweight", "compact", "all-terrain", "reclining"),
             "uses": ("city walks", "travel", "jogging"), "extras": {}, "term": "stroller"},
            {"name": "Car Seats", "low": 60, "high": 500, "nouns": ("Convertible Car Seat", "Infant Car Seat", "Booster Seat", "All-in-One Car Seat"),
             "materials": ("polyester", "foam", "steel-reinforced plastic"), "features": ("crash-tested", "washable", "adjustable", "lightweight"),
             "uses": ("daily drives", "road trips"), "extras": {}, "term": "car seat"},
            {"name": "Diapers & Wipes", "low": 10, "high": 60, "plural": True, "colors": (), "styles": (),
             "nouns": ("Diapers", "Baby Wipes", "Swim Diapers", "Overnight Diapers"), "materials": ("plant-based fibers", "cotton", "bamboo fibers"),
             "features": ("hypoallergenic", "fragrance-free", "plant-based", "ultra-absorbent", "biodegradable"), "uses": ("overnight", "sensitive skin", "daily changes"),
             "extras": {"count": ("40 count", "80 count", "120 count", "192 count")}, "term": "diapers"},
            {"name": "Baby Clothing", "low": 8, "high": 45, "kind": "apparel", "genders": ("kids",), "size_chart": "baby",
             "nouns": ("Bodysuit Set", "Sleepsuit", "Romper", "Footed Sleeper"), "materials": ("organic cotton", "cotton", "bamboo viscose", "muslin"),
             "features": ("soft", "organic", "machine-washable", "tag-free"), "uses": ("everyday wear", "naps", "baby showers"), "extras": {}, "term": "baby clothes"},
            {"name": "Feeding", "low": 6, "high": 80, "nouns": ("Baby Bottle Set", "Silicone Bib Set", "Sippy Cup", "Bottle Warmer", "Suction Plate Set"),
             "materials": ("silicone", "glass", "BPA-free plastic", "stainless steel"), "features": ("BPA-free", "dishwasher-safe", "leak-proof", "anti-colic"),
             "uses": ("first foods", "travel", "daycare"), "term": "baby bottles"},
            {"name": "Nursery Furniture", "low": 80, "high": 900, "nouns": ("Crib", "Changing Table", "Glider Chair", "Bassinet", "Dresser"),
             "materials": ("solid pine", "oak", "beech wood", "engineered wood"), "features": ("convertible", "sturdy", "non-toxic", "easy-to-assemble"),
             "uses": ("nurseries", "small bedrooms"), "extras": {}, "term": "crib"},
            {"name": "Baby Toys", "low": 6, "high": 50, "nouns": ("Rattle", "Activity Gym", "Teether", "Stacking Ring Set", "Soft Block Set"),
             "materials": ("silicone", "wood", "organic cotton", "BPA-free plastic"), "features": ("BPA-free", "washable", "sensory", "non-toxic"),
             "uses": ("tummy time", "teething", "baby showers"), "term": "baby toys"},
            {"name": "Baby Monitors", "low": 30, "high": 300, "nouns": ("Video Baby Monitor", "Audio Baby Monitor", "Smart Baby Monitor"),
             "materials": ("plastic",), "features": ("night-vision", "app-connected", "portable", "encrypted"), "uses": ("nap time", "overnight peace of mind"),
             "extras": {}, "term": "baby monitor"},
        ],
    ),
    _top(
        "Pet Supplies", 3,
        colors=("black", "brown", "grey", "blue", "red", "green", "beige", "pink"),
        subs=[
            {"name": "Dog Food", "low": 10, "high": 90, "colors": (), "nouns": ("Dry Dog Food", "Wet Dog Food", "Freeze-Dried Dog Food", "Grain-Free Dog Food"),
             "features": ("grain-free", "high-protein", "natural", "vet-formulated"), "uses": ("everyday meals", "training", "sensitive stomachs"),
             "extras": {"pet": ("dog",), "flavor": ("chicken", "beef", "salmon", "lamb", "turkey"), "life_stage": ("puppy", "adult", "senior"), "size": ("4 lb", "15 lb", "30 lb")}},
            {"name": "Cat Food", "low": 8, "high": 70, "colors": (), "nouns": ("Dry Cat Food", "Wet Cat Food", "Freeze-Dried Cat Food"),
             "features": ("grain-free", "high-protein", "natural", "vet-formulated"), "uses": ("everyday meals", "picky eaters", "indoor cats"),
             "extras": {"pet": ("cat",), "flavor": ("chicken", "tuna", "salmon", "turkey", "duck"), "life_stage": ("kitten", "adult", "senior"), "size": ("3 lb", "7 lb", "16 lb")}},
            {"name": "Pet Beds", "low": 15, "high": 160, "nouns": ("Orthopedic Dog Bed", "Cat Bed", "Bolster Pet Bed", "Calming Pet Bed"),
             "materials": ("memory foam", "faux fur", "polyester", "cotton canvas"), "features": ("washable", "orthopedic", "non-slip", "waterproof"),
             "uses": ("older dogs", "anxious pets", "crates"), "extras": {"pet": ("dog", "cat"), "pet_size": ("small", "medium", "large", "extra large")}, "term": "dog bed"},
            {"name": "Dog Toys", "low": 5, "high": 35, "nouns": ("Chew Toy", "Rope Toy", "Squeaky Toy", "Fetch Ball", "Puzzle Feeder"),
             "materials": ("natural rubber", "cotton rope", "plush", "nylon"), "features": ("durable", "non-toxic", "floating", "dishwasher-safe"),
             "uses": ("heavy chewers", "games of fetch", "puppies"), "extras": {"pet": ("dog",), "pet_size": ("small", "medium", "large")}},
            {"name": "Cat Supplies", "low": 8, "high": 120, "nouns": ("Cat Tree", "Scratching Post", "Litter Box", "Cat Tunnel"),
             "materials": ("sisal", "plastic", "pine", "cardboard"), "features": ("sturdy", "easy-to-clean", "odor-control", "space-saving"),
             "uses": ("indoor cats", "small apartments", "multi-cat homes"), "extras": {"pet": ("cat",)}, "term": "cat tree"},
            {"name": "Leashes & Collars", "low": 8, "high": 60, "nouns": ("Dog Leash", "Dog Collar", "No-Pull Harness", "Retractable Leash"),
             "materials": ("nylon", "leather", "biothane", "reflective webbing"), "features": ("adjustable", "reflective", "padded", "waterproof"),
             "uses": ("daily walks", "night walks", "training"), "extras": {"pet": ("dog",), "pet_size": ("small", "medium", "large")}, "term": "dog leash"},
            {"name": "Aquarium Supplies", "low": 10, "high": 300, "nouns": ("Aquarium Kit", "Aquarium Filter", "Aquarium Heater", "LED Aquarium Light"),
             "materials": ("glass", "acrylic", "plastic"), "features": ("quiet", "energy-efficient", "adjustable", "submersible"),
             "uses": ("freshwater tanks", "beginner fish keepers", "planted tanks"), "extras": {"pet": ("fish",)}, "term": "aquarium"},
            {"name": "Pet Grooming", "low": 8, "high": 80, "nouns": ("Deshedding Brush", "Pet Shampoo", "Nail Clipper", "Grooming Kit"),
             "materials": ("stainless steel", "bamboo", "plastic", "silicone"), "features": ("gentle", "ergonomic", "hypoallergenic", "tear-free"),
             "uses": ("shedding season", "bath time", "long-haired pets"), "extras": {"pet": ("dog", "cat")}},
        ],
    ),
    _top(
        "Grocery & Gourmet", 4,
        kind="grocery", features=_GROCERY_FEATURES,
        subs=[
            {"name": "Coffee", "low": 8, "high": 45, "nouns": ("Whole Bean Coffee", "Ground Coffee", "Coffee Pods", "Cold Brew Concentrate"),
             "extras": {"flavor": ("light roast", "medium roast", "dark roast", "espresso roast", "hazelnut", "vanilla"), "size": ("12 oz", "2 lb", "24 pods", "32 oz")},
             "features": ("organic", "fair-trade", "single-origin", "decaffeinated", "small-batch"), "uses": ("morning routines", "espresso machines", "cold brew")},
            {"name": "Tea", "low": 5, "high": 35, "nouns": ("Loose Leaf Tea", "Tea Bags", "Tea Sampler", "Cold Brew Tea"),
             "extras": {"flavor": ("jasmine green", "earl grey", "peppermint", "chamomile", "ginger turmeric", "english breakfast"), "size": ("20 bags", "50 bags", "100 g", "250 g")},
             "features": ("organic", "fair-trade", "caffeine-free", "loose-leaf", "single-estate"), "uses": ("quiet afternoons", "winding down", "iced tea")},
            {"name": "Snacks", "low": 3, "high": 25, "nouns": ("Protein Bars", "Trail Mix", "Tortilla Chips", "Crackers", "Popcorn"),
             "extras": {"flavor": ("sea salt", "barbecue", "cheddar", "chocolate chip", "honey roasted", "chili lime"), "size": ("5 oz", "12 oz", "12 count", "24 count")},
             "uses": ("lunch boxes", "road trips", "movie nights", "post-workout fuel")},
            {"name": "Chocolate & Candy", "low": 3, "high": 40, "nouns": ("Dark Chocolate Bar", "Chocolate Truffles", "Gummy Bears", "Salted Caramels"),
             "extras": {"flavor": ("sea salt", "hazelnut", "raspberry", "mint", "orange", "almond"), "size": ("3.5 oz", "8 oz", "1 lb")},
             "features": ("organic", "fair-trade", "vegan", "gluten-free", "small-batch", "kosher"), "uses": ("gifting", "dessert", "holiday treats"), "term": "chocolate"},
            {"name": "Pantry Staples", "low": 3, "high": 30, "nouns": ("Pasta", "Basmati Rice", "Rolled Oats", "Peanut Butter", "Wildflower Honey"),
             "extras": {"flavor": ("plain", "creamy", "crunchy", "whole grain", "original"), "size": ("1 lb", "2 lb", "16 oz", "5 lb")},
             "uses": ("weeknight dinners", "breakfast", "meal prep")},
            {"name": "Olive Oil & Vinegar", "low": 8, "high": 60, "nouns": ("Extra Virgin Olive Oil", "Balsamic Vinegar", "Avocado Oil", "Sherry Vinegar"),
             "extras": {"flavor": ("peppery", "fruity", "mild", "aged", "robust"), "size": ("250 ml", "500 ml", "1 l"), "origin": ("Italy", "Spain", "Greece", "California", "Portugal")},
             "features": ("organic", "cold-pressed", "single-estate", "non-GMO", "kosher"), "uses": ("salad dressings", "roasting vegetables", "dipping bread"), "term": "olive oil"},
            {"name": "Spices & Seasonings", "low": 4, "high": 25, "nouns": ("Spice Blend", "Smoked Paprika", "Sea Salt Flakes", "Black Peppercorns", "Taco Seasoning"),
             "extras": {"flavor": ("smoky", "spicy", "savory", "herby", "mild"), "size": ("2 oz", "4 oz", "8 oz")},
             "features": ("organic", "non-GMO", "salt-free", "small-batch", "kosher"), "uses": ("grilling", "weeknight dinners", "seasoning roasts"), "term": "spices"},
            {"name": "Beverages", "low": 5, "high": 40, "nouns": ("Sparkling Water", "Cold-Pressed Juice", "Kombucha", "Electrolyte Drink Mix"),
             "extras": {"flavor": ("lemon", "lime", "grapefruit", "mixed berry", "ginger", "peach"), "size": ("12 pack", "24 pack", "6 pack", "30 servings")},
             "features": ("organic", "sugar-free", "vegan", "non-GMO", "low-calorie", "caffeine-free"), "uses": ("hot days", "workouts", "parties"), "term": "drinks"},
        ],
    ),
    _top(
        "Health & Personal Care", 4,
        subs=[
            {"name": "Vitamins & Supplements", "low": 8, "high": 70, "nouns": ("Multivitamin", "Vitamin D3", "Omega-3 Fish Oil", "Magnesium Glycinate", "Probiotic", "Protein Powder"),
             "features": ("vegan", "gluten-free", "non-GMO", "third-party-tested", "sugar-free"), "uses": ("daily wellness", "immune support", "active lifestyles"),
             "extras": {"form": ("capsules", "tablets", "gummies", "powder", "softgels"), "count": ("30 count", "60 count", "90 count", "120 count")}, "term": "vitamins"},
            {"name": "Oral Care", "low": 3, "high": 200, "nouns": ("Electric Toothbrush", "Whitening Toothpaste", "Water Flosser", "Mouthwash"),
             "features": ("gentle", "whitening", "fluoride-free", "enamel-safe", "dentist-recommended"),
             "uses": ("sensitive teeth", "daily brushing", "travel"), "term": "electric toothbrush"},
            {"name": "Shaving & Grooming", "low": 8, "high": 250, "nouns": ("Electric Shaver", "Safety Razor", "Beard Trimmer", "Shaving Cream", "Beard Oil"),
             "features": ("cordless", "waterproof", "gentle", "rechargeable", "fragrance-free"), "uses": ("sensitive skin", "daily shaves", "beard care", "travel"),
             "term": "razor"},
            {"name": "First Aid", "low": 5, "high": 50, "nouns": ("First Aid Kit", "Bandage Assortment", "Instant Cold Pack", "Digital Thermometer"),
             "features": ("compact", "latex-free", "waterproof", "travel-friendly"), "uses": ("the car", "hiking trips", "the home medicine cabinet"), "term": "first aid kit"},
            {"name": "Massagers", "low": 25, "high": 300, "nouns": ("Massage Gun", "Neck Massager", "Foot Massager", "Massage Cushion"),
             "colors": ("black", "grey", "white", "blue"), "materials": ("ABS plastic", "silicone", "PU leather", "aluminum"),
             "features": ("cordless", "rechargeable", "quiet", "portable", "heated"), "uses": ("post-workout recovery", "desk-job tension", "relaxing evenings"),
             "term": "massage gun"},
            {"name": "Sleep & Relaxation", "low": 10, "high": 150, "nouns": ("Weighted Blanket", "Contoured Sleep Mask", "White Noise Machine", "Aromatherapy Diffuser"),
             "colors": ("grey", "navy", "white", "blush", "sage green"), "materials": ("cotton", "silk", "bamboo", "plastic", "minky fabric"),
             "features": ("calming", "breathable", "quiet", "machine-washable"), "uses": ("better sleep", "anxious evenings", "travel"), "term": "weighted blanket"},
        ],
    ),
    _top(
        "Office", 3,
        colors=("black", "white", "navy", "grey", "green", "blue", "pink", "natural"), styles=("minimalist", "classic", "modern"),
        subs=[
            {"name": "Notebooks & Paper", "low": 4, "high": 40, "nouns": ("Dotted Notebook", "Lined Notebook", "Sketchbook", "Sticky Note Pack"),
             "materials": ("recycled paper", "vegan leather", "kraft paper", "linen"), "features": ("acid-free", "lay-flat", "refillable", "fountain-pen-friendly"),
             "uses": ("journaling", "meeting notes", "sketching", "bullet journaling"), "term": "notebook"},
            {"name": "Pens & Writing", "low": 3, "high": 60, "nouns": ("Gel Pen Set", "Fountain Pen", "Ballpoint Pen Set", "Highlighter Set", "Mechanical Pencil"),
             "materials": ("aluminum", "brass", "plastic", "resin"), "features": ("smudge-proof", "refillable", "quick-dry", "ergonomic"),
             "uses": ("note-taking", "journaling", "signing documents"), "term": "pens"},
            {"name": "Desk Organizers", "low": 8, "high": 70, "nouns": ("Desk Organizer", "Monitor Riser", "File Sorter", "Pen Holder"),
             "materials": ("bamboo", "metal mesh", "acrylic", "walnut"), "features": ("space-saving", "stackable", "sturdy", "easy-to-assemble"),
             "uses": ("the home office", "small desks", "dorm rooms"), "term": "desk organizer"},
            {"name": "Printers", "low": 60, "high": 600, "nouns": ("Inkjet Printer", "Laser Printer", "All-in-One Printer", "Photo Printer"),
             "materials": ("plastic",), "styles": ("compact", "modern"), "features": ("wireless", "double-sided", "compact", "energy-efficient"),
             "uses": ("the home office", "school projects", "photo printing"), "term": "printer"},
            {"name": "Planners & Calendars", "low": 8, "high": 40, "nouns": ("Daily Planner", "Weekly Planner", "Wall Calendar", "Desk Calendar"),
             "materials": ("recycled paper", "vegan leather", "linen"), "features": ("undated", "lay-flat", "tabbed", "acid-free"),
             "uses": ("goal setting", "busy schedules", "family planning"), "term": "planner"},
            {"name": "Shredders", "low": 40, "high": 300, "nouns": ("Cross-Cut Shredder", "Micro-Cut Shredder", "Strip-Cut Shredder"),
             "materials": ("plastic", "steel"), "styles": ("compact", "heavy-duty"), "features": ("quiet", "jam-proof", "compact", "auto-feed"),
             "uses": ("the home office", "small businesses"), "term": "shredder"},
        ],
    ),
    _top(
        "Garden & Tools", 3,
        colors=("green", "black", "red", "yellow", "orange", "grey", "blue"),
        subs=[
            {"name": "Power Tools", "low": 40, "high": 450, "nouns": ("Cordless Drill", "Impact Driver", "Circular Saw", "Orbital Sander", "Jigsaw"),
             "features": ("brushless", "compact", "lightweight", "variable-speed"), "uses": ("home repairs", "DIY projects", "woodworking"),
             "extras": {"power_source": ("cordless", "corded"), "voltage": ("12 V", "18 V", "20 V", "40 V")}, "term": "drill"},
            {"name": "Hand Tools", "low": 8, "high": 150, "nouns": ("Claw Hammer", "Screwdriver Set", "Wrench Set", "Pliers Set", "Tool Kit"),
             "materials": ("chrome vanadium steel", "carbon steel", "fiberglass", "hickory"), "features": ("durable", "ergonomic", "rust-resistant", "magnetic"),
             "uses": ("home repairs", "DIY projects", "the garage"), "term": "tool set"},
            {"name": "Lawn Mowers", "low": 150, "high": 900, "nouns": ("Push Mower", "Self-Propelled Mower", "Robotic Mower", "Cordless Lawn Mower"),
             "materials": ("steel", "plastic", "aluminum"), "features": ("cordless", "quiet", "mulching", "foldable"), "uses": ("small lawns", "large yards", "weekly mowing"),
             "extras": {"power_source": ("battery", "gas", "corded electric", "manual")}, "term": "lawn mower"},
            {"name": "Watering", "low": 15, "high": 120, "nouns": ("Expandable Garden Hose", "Oscillating Sprinkler", "Watering Can", "Hose Reel"),
             "materials": ("rubber", "brass", "galvanized steel", "recycled plastic"), "features": ("kink-free", "lightweight", "leak-proof", "durable"),
             "uses": ("vegetable gardens", "lawns", "balcony plants"), "term": "garden hose"},
            {"name": "Planters", "low": 10, "high": 150, "nouns": ("Floor Planter", "Raised Garden Bed", "Self-Watering Planter", "Hanging Planter"),
             "materials": ("terracotta", "ceramic", "cedar wood", "galvanized steel", "recycled plastic"), "features": ("well-draining", "weather-resistant", "self-watering", "lightweight"),
             "uses": ("herb gardens", "balconies", "indoor plants"), "term": "planter"},
            {"name": "Grills & Outdoor Cooking", "low": 80, "high": 1500, "nouns": ("Gas Grill", "Charcoal Grill", "Pellet Smoker", "Pizza Oven", "Portable Grill"),
             "materials": ("stainless steel", "cast iron", "porcelain-coated steel"), "features": ("portable", "rust-resistant", "easy-to-clean", "fast-heating"),
             "uses": ("backyard barbecues", "tailgating", "camping"), "term": "grill"},
            {"name": "Seeds & Plants", "low": 3, "high": 40, "colors": (), "nouns": ("Herb Seed Kit", "Vegetable Seed Collection", "Flower Bulb Set", "Indoor Plant"),
             "features": ("organic", "heirloom", "non-GMO", "easy-to-grow"), "uses": ("beginner gardeners", "kitchen windowsills", "spring planting"),
             "extras": {"sunlight": ("full sun", "partial shade", "shade")}, "term": "seeds"},
        ],
    ),
    _top(
        "Jewelry", 3,
        colors=METAL_TONES, materials=("sterling silver", "14k gold", "gold-plated brass", "stainless steel", "platinum", "titanium"),
        styles=("classic", "minimalist", "vintage", "statement", "bohemian"), features=("hypoallergenic", "tarnish-resistant", "handmade", "nickel-free"),
        uses=("everyday wear", "anniversaries", "birthday gifts", "weddings"),
        extras={"gemstone": ("diamond", "sapphire", "pearl", "cubic zirconia", "emerald", "amethyst", "opal")},
        subs=[
            {"name": "Necklaces", "low": 15, "high": 1500, "nouns": ("Pendant Necklace", "Chain Necklace", "Choker", "Locket Necklace")},
            {"name": "Earrings", "low": 12, "high": 1200, "plural": True, "nouns": ("Stud Earrings", "Hoop Earrings", "Drop Earrings", "Huggie Earrings")},
            {"name": "Rings", "low": 15, "high": 2500, "nouns": ("Engagement Ring", "Stacking Ring", "Signet Ring", "Wedding Band")},
            {"name": "Bracelets", "low": 12, "high": 1200, "nouns": ("Tennis Bracelet", "Bangle", "Charm Bracelet", "Cuff Bracelet")},
            {"name": "Watches", "low": 40, "high": 2500, "nouns": ("Automatic Watch", "Chronograph Watch", "Dress Watch", "Dive Watch"),
             "colors": ("silver", "gold", "black", "rose gold", "blue"), "materials": ("stainless steel", "titanium", "leather", "ceramic"),
             "features": ("water-resistant", "scratch-resistant", "luminous", "hypoallergenic"), "extras": {"movement": ("automatic", "quartz", "solar", "mechanical")}},
            {"name": "Jewelry Boxes", "low": 15, "high": 150, "nouns": ("Jewelry Box", "Travel Jewelry Case", "Ring Dish"),
             "colors": ("black", "white", "pink", "grey", "navy", "green"), "materials": ("vegan leather", "wood", "velvet", "ceramic"),
             "features": ("lockable", "compact", "mirrored", "velvet-lined"), "uses": ("travel", "dressers", "gifting"), "extras": {}},
        ],
    ),
    _top(
        "Automotive", 3,
        colors=("black", "grey", "beige", "red", "blue"), extras={"vehicle_fit": ("universal", "sedan", "SUV", "truck", "hatchback")},
        subs=[
            {"name": "Car Electronics", "low": 25, "high": 400, "nouns": ("Dash Cam", "Car Stereo", "Backup Camera", "Bluetooth Car Adapter"),
             "materials": ("plastic", "aluminum"), "features": ("wireless", "night-vision", "easy-to-install", "compact"), "uses": ("daily commutes", "road trips", "parking")},
            {"name": "Car Care", "low": 5, "high": 60, "colors": (), "nouns": ("Car Wash Soap", "Ceramic Spray Coating", "Microfiber Towel Pack", "Tire Shine", "Interior Cleaner"),
             "features": ("pH-balanced", "streak-free", "biodegradable", "scratch-free"), "uses": ("weekend detailing", "winter salt removal", "showroom shine"),
             "extras": {"size": ("16 oz", "32 oz", "1 gallon")}, "term": "car wash"},
            {"name": "Tires", "low": 60, "high": 400, "colors": (), "nouns": ("All-Season Tire", "Winter Tire", "Performance Tire", "All-Terrain Tire"),
             "materials": ("rubber compound", "silica-enhanced rubber"), "features": ("quiet", "long-lasting", "fuel-efficient", "wet-grip"),
             "uses": ("highway driving", "snowy roads", "off-road trails"), "extras": {"tire_size": ("205/55R16", "225/45R17", "235/65R17", "265/70R17", "215/60R16")}},
            {"name": "Interior Accessories", "low": 8, "high": 120, "nouns": ("Seat Cover Set", "Floor Mat Set", "Steering Wheel Cover", "Trunk Organizer", "Windshield Sunshade"),
             "materials": ("neoprene", "leather", "rubber", "polyester", "faux leather"), "features": ("waterproof", "easy-to-install", "washable", "custom-fit"),
             "uses": ("family cars", "pet owners", "road trips"), "term": "floor mats"},
            {"name": "Tools & Equipment", "low": 15, "high": 250, "nouns": ("Jump Starter", "Tire Inflator", "Socket Set", "Floor Jack", "OBD2 Scanner"),
             "materials": ("steel", "aluminum", "plastic"), "features": ("portable", "rechargeable", "heavy-duty", "compact"), "uses": ("roadside emergencies", "home garages"),
             "term": "jump starter"},
            {"name": "Motorcycle Gear", "low": 30, "high": 600, "nouns": ("Motorcycle Helmet", "Riding Jacket", "Riding Glove Set", "Tank Bag"),
             "materials": ("leather", "textile", "polycarbonate", "fiberglass"), "features": ("ventilated", "armored", "reflective", "waterproof"),
             "uses": ("daily commutes", "long-distance touring", "track days"), "extras": {"vehicle_fit": ("motorcycle",)}, "term": "motorcycle helmet"},
        ],
    ),
)
# fmt: on

SUBCATEGORIES: dict[str, Subcategory] = {sub.path: sub for top in TOP_CATEGORIES for sub in top.subcategories}
TOP_BY_NAME: dict[str, TopCategory] = {top.name: top for top in TOP_CATEGORIES}

# --------------------------------------------------------------------------------------------
# Brands: fixed-seed syllable names, each tied to 1-3 related top categories, with a price tier.
# --------------------------------------------------------------------------------------------

TIERS = ("budget", "mid", "premium")
# Where in a subcategory's price range (0 = low end, 1 = high end, on a log scale) each tier sells.
_TIER_PRICE = {"budget": (0.0, 0.55), "mid": (0.2, 0.8), "premium": (0.45, 1.0)}
_TIER_RATING = {"budget": 3.95, "mid": 4.2, "premium": 4.4}

# fmt: off
_RELATED_TOPS: dict[str, tuple[str, ...]] = {
    "Women's Clothing": ("Men's Clothing", "Shoes", "Bags & Accessories", "Jewelry"),
    "Men's Clothing": ("Women's Clothing", "Shoes", "Bags & Accessories"),
    "Shoes": ("Women's Clothing", "Men's Clothing", "Sports & Outdoors"),
    "Bags & Accessories": ("Women's Clothing", "Men's Clothing", "Jewelry"),
    "Electronics": ("Computer Accessories", "Office"),
    "Computer Accessories": ("Electronics", "Office"),
    "Home & Kitchen": ("Furniture", "Garden & Tools"),
    "Furniture": ("Home & Kitchen", "Office", "Baby"),
    "Beauty": ("Health & Personal Care",),
    "Sports & Outdoors": ("Shoes", "Garden & Tools", "Men's Clothing"),
    "Toys & Games": ("Baby",),
    "Books": (),
    "Baby": ("Toys & Games", "Furniture"),
    "Pet Supplies": ("Garden & Tools",),
    "Grocery & Gourmet": ("Health & Personal Care",),
    "Health & Personal Care": ("Beauty", "Grocery & Gourmet"),
    "Office": ("Computer Accessories", "Furniture"),
    "Garden & Tools": ("Home & Kitchen", "Automotive"),
    "Jewelry": ("Bags & Accessories", "Women's Clothing"),
    "Automotive": ("Garden & Tools", "Electronics"),
}
# Some brands carry a word that says what they make (rate of brands that do); publishers always do.
_BRAND_WORDS: dict[str, tuple[tuple[str, ...], float]] = {
    "Books": (("Press", "Books", "House", "Publishing"), 1.0),
    "Grocery & Gourmet": (("Foods", "Farms", "Provisions", "Pantry"), 0.6),
    "Electronics": (("Audio", "Labs", "Tech"), 0.3),
    "Beauty": (("Beauty", "Skincare", "Cosmetics"), 0.4),
    "Pet Supplies": (("Pets", "Paws"), 0.5),
    "Toys & Games": (("Toys", "Play"), 0.4),
    "Home & Kitchen": (("Home", "Kitchen"), 0.25),
    "Sports & Outdoors": (("Outdoor", "Sport"), 0.3),
    "Garden & Tools": (("Garden", "Tools"), 0.3),
    "Automotive": (("Auto", "Motors"), 0.4),
    "Jewelry": (("Jewelers", "& Co."), 0.3),
    "Baby": (("Baby", "Little"), 0.3),
}
_SYL_START = (
    "Nor", "Vel", "Kai", "Ar", "Lu", "Zen", "Tal", "Or", "Bra", "Sol", "Mar", "Cor", "Fen", "Hal", "Is", "Jun",
    "Kel", "Lin", "Mo", "Nev", "Pra", "Quin", "Ros", "Sen", "Tor", "Ul", "Var", "Wyn", "Yar", "Zel", "Al", "Bel",
    "Cal", "Dar", "El", "Fal", "Gal", "Har", "Sku", "Tem", "Ves", "Bo", "Cen", "Dru", "Em", "Fjor", "Gry", "Ho",
)
# Names a shopper would stumble over: doubled vowels ("Quiniix"), three vowels in a row ("Kaieum").
_AWKWARD = re.compile(r"(aa|ii|uu|oo|[aeiouy]{3}|(.)\2\2)")
_SYL_MID = ("", "", "", "a", "e", "i", "o", "an", "en", "ar", "or", "el", "is")
_SYL_END = (
    "vik", "ora", "ex", "ano", "is", "a", "en", "ia", "ford", "wood", "line", "ton", "ly", "io", "ux", "mont",
    "berg", "stad", "dale", "ra", "ix", "no", "va", "ette", "holm", "ari", "eo", "um", "ova", "ken",
)
# fmt: on


@dataclass(frozen=True, slots=True)
class DemoBrand:
    name: str
    tops: tuple[str, ...]
    tier: str
    popularity: float


def _make_brands() -> tuple[DemoBrand, ...]:
    rng = random.Random(BRAND_SEED)
    tops = [top.name for top in TOP_CATEGORIES]
    seen: set[str] = set()
    brands: list[DemoBrand] = []
    while len(brands) < BRAND_COUNT:
        stem = (rng.choice(_SYL_START) + rng.choice(_SYL_MID) + rng.choice(_SYL_END)).capitalize()
        if not 4 <= len(stem) <= 10 or _AWKWARD.search(stem.lower()):
            continue
        # Round-robin primaries give every top category at least BRAND_COUNT // 20 brands of its own.
        primary = tops[len(brands) % len(tops)]
        words, word_rate = _BRAND_WORDS.get(primary, ((), 0.0))
        name = f"{stem} {rng.choice(words)}" if words and rng.random() < word_rate else stem
        if name.casefold() in seen or stem.casefold() in seen:
            continue
        seen.update((name.casefold(), stem.casefold()))
        related = list(_RELATED_TOPS[primary])
        # A brand named for what it makes ("Velari Paws") sells only that; the others may spread to related tops.
        extra = rng.choices((0, 1, 2), weights=(0.5, 0.35, 0.15))[0] if related and name == stem else 0
        others = tuple(rng.sample(related, min(extra, len(related))))
        tier = rng.choices(TIERS, weights=(0.35, 0.4, 0.25))[0]
        popularity = round(0.4 + rng.paretovariate(2.5) * 0.6, 3)
        brands.append(DemoBrand(name=name, tops=(primary, *others), tier=tier, popularity=popularity))
    return tuple(brands)


BRANDS: tuple[DemoBrand, ...] = _make_brands()
BRAND_BY_NAME: dict[str, DemoBrand] = {brand.name: brand for brand in BRANDS}

# --------------------------------------------------------------------------------------------
# Generation
# --------------------------------------------------------------------------------------------

# fmt: off
_MODEL_WORDS = (
    "Aero", "Nova", "Pulse", "Terra", "Stride", "Flux", "Vista", "Orbit", "Echo", "Zephyr", "Summit", "Drift",
    "Halo", "Apex", "Core", "Edge", "Luna", "Atlas", "Swift", "Ridge", "Arc", "Vale", "Crest", "Tempo",
)
_MODEL_SUFFIXES = ("2", "3", "5", "7", "X", "Pro", "Lite", "Max", "One", "S", "Plus", "GT", "4", "Neo")
_BOOK_WORDS = {
    "adj": ("Silent", "Hidden", "Last", "Broken", "Golden", "Quiet", "Distant", "Burning", "Forgotten", "Winter",
            "Midnight", "Crimson", "Lost", "Endless", "Little", "Wild", "Secret", "Northern", "Brave", "Bright"),
    "noun": ("Harbor", "Garden", "Kingdom", "River", "House", "Orchard", "Lighthouse", "Road", "Island", "Season",
             "Map", "Archive", "Station", "Mountain", "Storm", "Library", "Tide", "Lantern", "Bridge", "Forest"),
    "place": ("Ashford", "Lisbon", "the North", "Kestrel Bay", "Marrow Hill", "Avalon", "Eldermere", "Samarkand",
              "the Valley", "Port Elliot", "Carthage", "Veridia"),
    "cuisine": ("Mediterranean", "Japanese", "Mexican", "Italian", "Plant-Based", "Weeknight", "Nordic", "Indian", "One-Pot"),
    "animal": ("Fox", "Bear", "Owl", "Rabbit", "Otter", "Hedgehog", "Dragon", "Penguin"),
    "person": ("Clara Voss", "Elias Marr", "Ada Fenwick", "Theo Brandt", "June Okafor", "Marcus Hale", "Nora Lindqvist"),
}
_FIRST_NAMES = ("Clara", "Elias", "Maya", "Theo", "June", "Marcus", "Nora", "Felix", "Iris", "Samuel", "Leah", "Omar", "Priya", "Jonah", "Ruth", "Tomas")
_LAST_NAMES = ("Voss", "Marr", "Fenwick", "Brandt", "Okafor", "Hale", "Lindqvist", "Moreau", "Castell", "Reyes", "Whitlock", "Adeyemi", "Sato", "Kowalski")
# fmt: on
_FEATURE_COUNTS = (1, 2, 2, 3, 3, 3, 4)
_STRIDES = {size: tuple(s for s in range(1, max(size, 2)) if math.gcd(s, size) == 1) for size in range(1, 16)}
_RATINGS = tuple(Decimal(f"{i / 10:.1f}") for i in range(10, 51))
_SPEC_PHRASES = {
    "storage": "{} of storage",
    "ram": "{} of RAM",
    "battery_hours": "up to {} hours of battery life",
    "connectivity": "{} connectivity",
    "video_resolution": "{} video",
    "resolution": "{} resolution",
}


def _an(word: str) -> str:
    """The indefinite article for a word: "an espresso roast", "an 11-inch screen", "a 15.6-inch screen"."""
    head = word.lower()
    return "an" if head[:1] in "aeio" or head.startswith(("8", "11", "18")) else "a"


def _cap(text: str) -> str:
    return text[:1].upper() + text[1:]


def _join(words: list[str] | tuple[str, ...]) -> str:
    if len(words) == 1:
        return words[0]
    return ", ".join(words[:-1]) + " and " + words[-1]


_TITLE_WORDS: dict[str, str] = {}


def _title_word(text: str) -> str:
    """Title-case a word for a product title ("white gold" -> "White Gold"), keeping "BPA-free" and "pH" readable.

    Memoised: the vocabulary is small and titles are built a million times.
    """
    cased = _TITLE_WORDS.get(text)
    if cased is None:
        cased = " ".join(
            "-".join(part if any(c.isupper() for c in part) else part.capitalize() for part in word.split("-"))
            for word in text.split(" ")
        )
        _TITLE_WORDS[text] = cased
    return cased


@dataclass(frozen=True, slots=True)
class _TopDraw:
    top: TopCategory
    brands: tuple[DemoBrand, ...]
    brand_cum: tuple[float, ...]
    sub_cum: tuple[float, ...]


def _draw_tables() -> tuple[tuple[_TopDraw, ...], tuple[float, ...]]:
    draws = []
    for top in TOP_CATEGORIES:
        # A brand sells mostly in its first category; secondary ties get a smaller share.
        pairs = [(b, b.popularity * (1.0 if b.tops[0] == top.name else 0.5)) for b in BRANDS if top.name in b.tops]
        draws.append(
            _TopDraw(
                top=top,
                brands=tuple(b for b, _ in pairs),
                brand_cum=tuple(accumulate(w for _, w in pairs)),
                sub_cum=tuple(accumulate(s.weight for s in top.subcategories)),
            )
        )
    return tuple(draws), tuple(accumulate(top.weight for top in TOP_CATEGORIES))


_DRAWS, _TOP_CUM = _draw_tables()


def price_position(sub: Subcategory, price: float) -> float:
    """Where a price sits in its subcategory's range: 0 at the low end, 1 at the high end (log scale)."""
    if price <= sub.low:
        return 0.0
    if price >= sub.high:
        return 1.0
    return math.log(price / sub.low) / math.log(sub.high / sub.low)


def _price(rng: random.Random, sub: Subcategory, tier: str) -> tuple[Decimal, float]:
    lo, hi = _TIER_PRICE[tier]
    # Mean of two uniforms: most products sit mid-tier, few at the edges.
    u = lo + (hi - lo) * (rng.random() + rng.random()) / 2
    value = sub.low * (sub.high / sub.low) ** u
    whole = int(value)
    cents = ".99" if rng.random() < 0.7 else ".49"
    whole = min(max(whole, sub.low), sub.high - 1)
    return Decimal(f"{whole}{cents}"), u


def _pick_spec(rng: random.Random, values: tuple[Any, ...], u: float, ordered: bool) -> Any:
    if not ordered:
        return values[int(rng.random() * len(values))]
    index = int(u * len(values) + (rng.random() - 0.5) * 1.6)
    return values[min(max(index, 0), len(values) - 1)]


# Specs whose listed order is not a quality order: any value fits any price.
_UNORDERED_SPECS = {"screen_size"}
_SCREEN_ORDERED = {"Televisions", "Monitors"}


def generate_products(n: int, seed: int) -> Iterator[ProductInput]:
    """Yield ``n`` demo products, ``DEMO-0000000`` onwards; the same (n, seed) always yields the same products."""
    rng = random.Random(seed)
    rand = rng.random
    draws, top_cum = _DRAWS, _TOP_CUM
    top_total = top_cum[-1]
    for i in range(n):
        draw = draws[bisect(top_cum, rand() * top_total)]
        sub = draw.top.subcategories[bisect(draw.sub_cum, rand() * draw.sub_cum[-1])]
        brand = draw.brands[bisect(draw.brand_cum, rand() * draw.brand_cum[-1])]
        price, u = _price(rng, sub, brand.tier)
        noun = sub.nouns[int(rand() * len(sub.nouns))]
        attrs: dict[str, Any] = {}
        color = sub.colors[int(rand() * len(sub.colors))] if sub.colors else ""
        material = sub.materials[int(rand() * len(sub.materials))] if sub.materials else ""
        style = sub.styles[int(rand() * len(sub.styles))] if sub.styles else ""
        if color:
            attrs["color"] = color
        if material:
            attrs["material"] = material
        if style:
            attrs["style"] = style
        gender = ""
        if sub.genders:
            gender = sub.genders[int(rand() * len(sub.genders))]
            chart = SIZE_CHARTS[SHOE_CHART_BY_GENDER[gender] if sub.kind == "shoes" else sub.size_chart]
            third = len(chart) // 3
            start = int(rand() * (third + 1))
            stop = len(chart) - int(rand() * (third + 1))
            attrs["gender"] = gender
            attrs["sizes"] = list(chart[start:stop])
        # k distinct features: a random start and a stride coprime with the list length (rng.sample is 3x slower).
        pool = sub.features
        size = len(pool)
        k = min(_FEATURE_COUNTS[int(rand() * len(_FEATURE_COUNTS))], size)
        first = int(rand() * size)
        stride = _STRIDES[size][int(rand() * len(_STRIDES[size]))]
        attrs["features"] = [pool[(first + j * stride) % size] for j in range(k)]
        for key in sub.specs:
            ordered = key not in _UNORDERED_SPECS or sub.name in _SCREEN_ORDERED
            attrs[key] = _pick_spec(rng, SPEC_VALUES[sub.name][key], u, ordered)
        for key, values in sub.extras:
            attrs[key] = values[int(rand() * len(values))]
        if sub.kind == "book":
            attrs["author"] = (
                f"{_FIRST_NAMES[int(rand() * len(_FIRST_NAMES))]} {_LAST_NAMES[int(rand() * len(_LAST_NAMES))]}"
            )
        model = f"{_MODEL_WORDS[int(rand() * len(_MODEL_WORDS))]} {_MODEL_SUFFIXES[int(rand() * len(_MODEL_SUFFIXES))]}"
        uses = sub.uses
        use = uses[int(rand() * len(uses))]
        use2 = uses[int(rand() * len(uses))]
        template = int(rand() * 3)

        title = _title(rng, sub, brand.name, noun, model, attrs, template)
        description = _describe(rng, sub, brand.name, noun, attrs, use, use2, template)

        mean = _TIER_RATING[brand.tier]
        rating_value = rng.gauss(mean, 0.3) if rand() > 0.04 else 1.0 + rand() * 2.6
        rating = _RATINGS[min(max(round(rating_value * 10), 10), 50) - 10]
        reviews = 1 + int(rng.lognormvariate(3.0, 1.5) * brand.popularity * (0.6 + rating_value / 10))
        stock = 0 if rand() < OUT_OF_STOCK_RATE else 1 + int(rng.lognormvariate(3.0, 1.0))
        yield ProductInput(
            sku=f"{SKU_PREFIX}{i:07d}",
            title=title,
            description=description,
            category_path=sub.path,
            brand=brand.name,
            price=price,
            attributes=attrs,
            rating=rating,
            review_count=min(reviews, 250_000),
            stock=min(stock, 999),
            is_active=rand() >= INACTIVE_RATE,
            image_url="",
        )


def _title(
    rng: random.Random, sub: Subcategory, brand: str, noun: str, model: str, attrs: dict[str, Any], template: int
) -> str:
    color = _title_word(attrs.get("color", ""))
    feature = _title_word(attrs["features"][0])
    if feature in noun:  # "Compact Compact Camera"
        template = 1
    if sub.kind == "book":
        words = {key: values[int(rng.random() * len(values))] for key, values in _BOOK_WORDS.items()}
        return f"{noun.format(**words)} - {attrs['format'].title()}"
    if sub.kind in ("apparel", "shoes"):
        gender = attrs["gender"]
        material = _title_word(attrs.get("material", ""))
        if template == 0:
            return f"{brand} {GENDER_LABELS[gender]} {feature} {noun} - {color} {material}"
        if template == 1:
            return f"{brand} {model} {noun} for {GENDER_FOR[gender]}, {color}"
        return f"{brand} {_title_word(attrs['style'])} {GENDER_LABELS[gender]} {noun} in {color}"
    if sub.kind == "grocery":
        return f"{brand} {feature} {_title_word(attrs['flavor'])} {noun}, {attrs['size']}"
    if sub.name == "Laptops":
        return f"{brand} {model} {attrs['screen_size']} {noun} - {attrs['ram']} RAM, {attrs['storage']} SSD, {color}"
    if sub.name in ("Smartphones", "Tablets"):
        return f"{brand} {model} {noun}, {attrs['storage']}, {attrs['connectivity'].split(',')[0]}, {color}"
    tail = f" - {color}" if color else (f" - {attrs['size']}" if "size" in attrs else "")
    if template == 0:
        return f"{brand} {feature} {noun}{tail}"
    if template == 1:
        return f"{brand} {model} {noun}{tail}"
    material = attrs.get("material")
    if material and material.lower() in noun.lower():
        material = ""
    return (
        f"{brand} {noun} in {_title_word(material)}{', ' + color if color else ''}"
        if material
        else f"{brand} {feature} {noun}{tail}"
    )


def _describe(
    rng: random.Random,
    sub: Subcategory,
    brand: str,
    noun: str,
    attrs: dict[str, Any],
    use: str,
    use2: str,
    template: int,
) -> str:
    rand = rng.random
    plural = sub.plural
    be, it, this = ("are", "They", "these") if plural else ("is", "It", "this")
    color, material, features = attrs.get("color", ""), attrs.get("material", ""), attrs["features"]
    style = attrs.get("style") or "clean"
    noun_l = noun.lower()
    sentences: list[str] = []

    if sub.kind == "book":
        genre = attrs["genre"]
        sentences.append(
            f"{_cap(_an(genre))} {genre} in {attrs['format']}, {attrs['pages']} pages, written by {attrs['author']} "
            f"and published by {brand}."
        )
        sentences.append(f"This {_join(features)} edition is a reader favourite.")
        sentences.append(f"Perfect for {use}.")
        return " ".join(sentences)
    if sub.kind == "grocery":
        sentences.append(
            f"{brand} {noun_l} with {_an(attrs['flavor'])} {attrs['flavor']} flavor, packed as {attrs['size']}."
        )
        sentences.append(f"{it} {be} {_join(features)}.")
        if "origin" in attrs:
            sentences.append(f"Sourced from {attrs['origin']}.")
        sentences.append(f"Great for {use}.")
        return " ".join(sentences)

    if color and material:
        if template == 0:
            sentences.append(f"The {brand} {noun_l} {be} made from {material} in {color}.")
        elif template == 1:
            sentences.append(
                f"Crafted from {material}, {this} {color} {noun_l} from {brand} {'bring' if plural else 'brings'} {_an(style)} {style} look to {use}."
            )
        else:
            sentences.append(
                f"{brand} builds {this} {noun_l} from {material} and finishes {'them' if plural else 'it'} in {color}."
            )
    elif color:
        sentences.append(f"The {brand} {noun_l} {'come' if plural else 'comes'} in {color}.")
    elif material:
        sentences.append(f"The {brand} {noun_l} {be} made from {material}.")
    else:
        sentences.append(f"The {brand} {noun_l} {be} made for {use}.")

    r = rand()
    if r < 0.4:
        sentences.append(f"{it} {be} {_join(features)}.")
    elif r < 0.7:
        sentences.append(f"Key features: {_join(features)}.")
    else:
        sentences.append(f"Designed to be {_join(features)}.")

    extra = ""
    if sub.specs:
        phrases = []
        for key in sub.specs:
            value = attrs[key]
            if key == "screen_size":
                size = value.replace(" in", "-inch")
                phrases.append(f"{_an(size)} {size} screen")
            elif key == "megapixels":
                phrases.append(f"{_an(str(value))} {value} MP sensor")
            else:
                phrases.append(_SPEC_PHRASES[key].format(value))
        extra = f"{it} {'offer' if plural else 'offers'} {_join(phrases)}."
    elif "sizes" in attrs:
        sizes = attrs["sizes"]
        extra = f"Available in sizes {sizes[0]} to {sizes[-1]}."
    elif "bed_size" in attrs:
        extra = f"This listing is for the {attrs['bed_size']} size."
    elif "skin_type" in attrs:
        skin = attrs["skin_type"]
        extra = f"Suited to {skin}." if skin.endswith("types") else f"Suited to {skin} skin."

    if use2 != use and rand() < 0.5:
        sentences.append(f"Great for {use} and {use2}.")
    else:
        sentences.append(f"A dependable choice for {use}.")
    if extra:
        sentences.append(extra)
    return " ".join(sentences)
