"""Built-in shopping vocabulary: words that mean the same in every catalog.

The catalog's own vocabulary (brands, categories, attribute values) is added at run time by
``recommend.search.vocabulary``; this module holds what a shop needs before it has any data.
"""

from __future__ import annotations

COLORS = [
    p.strip()
    for p in """
black, white, red, blue, green, yellow, orange, purple, pink, brown, grey, gray, silver, gold, beige, tan,
navy, ivory, cream, teal, turquoise, maroon, burgundy, olive, khaki, coral, lavender, lilac, magenta, mint, charcoal,
bronze, copper, champagne, clear, transparent, multicolor, multi-color, multi color, rainbow, camo, camouflage,
floral, plaid, striped, tie dye, rose gold, light blue, dark blue, sky blue, royal blue, baby blue, navy blue,
light pink, hot pink, dark green, forest green, lime green, neon green, light gray, light grey, dark gray,
dark grey, off white, off-white, nude, rust, mustard, peach, salmon, aqua, indigo, violet, emerald, ruby,
sapphire, amber, wine, plum, taupe, sand, natural, espresso, chrome, matte black, jet black,
white gold, leopard, zebra, houndstooth, buffalo plaid, polka dot, dark purple, light purple, fuchsia, cyan, mauve,
blush, cherry, lemon, sage, slate, pewter, gunmetal, metallic, neon, pastel
""".split(",")
    if p.strip()
]

# Colour names that are more often something else ("ice cream", "natural deodorant", "wine rack"): a
# colour only with context ("cream colored", "in cream") or when the catalog sells that colour.
AMBIGUOUS_COLORS = {
    "cream", "natural", "wine", "sand", "espresso", "copper", "lemon", "amber", "cherry", "zebra", "charcoal",
    "rainbow", "metallic", "chrome", "slate", "blush", "emerald", "sage", "pewter", "sapphire", "aqua", "mint",
    "champagne", "rust", "salmon", "peach", "plum", "ruby", "stone", "bronze", "leopard", "lime", "olive",
    "neon", "silver", "orange", "clear", "tan",
}  # fmt: skip

MATERIALS = [
    p.strip()
    for p in """
leather, faux leather, vegan leather, genuine leather, suede, cotton, organic cotton, linen, wool, merino wool,
cashmere, silk, satin, velvet, denim, polyester, nylon, spandex, fleece, flannel, mesh, canvas, rubber, plastic,
silicone, metal, steel, stainless steel, aluminum, aluminium, titanium, iron, cast iron, copper, brass, bronze,
glass, tempered glass, ceramic, porcelain, wood, wooden, solid wood, bamboo, oak, walnut, pine, teak, marble, granite, stone,
concrete, cork, jute, rattan, wicker, paper, cardboard, vinyl, acrylic, resin, foam, memory foam, gel memory foam,
latex, down, feather, gore-tex, goretex, gold, silver, sterling silver, platinum, diamond, pearl, crystal, gemstone,
carbon fiber, neoprene, polycarbonate, microfiber, chenille, jersey, tweed, corduroy, chiffon, lace, knit, fabric,
flannel fabric, plush, felt, twill, hemp, modal, rayon, viscose, lycra, gel, wax, clay, enamel, quartz
""".split(",")
    if p.strip()
]

# Phrase -> canonical department (the catalog's "gender" attribute uses the same values).
DEPARTMENTS = {
    "women": "women", "womens": "women", "woman": "women", "ladies": "women", "lady": "women",
    "female": "women", "her": "women", "wife": "women", "girlfriend": "women", "mom": "women",
    "men": "men", "mens": "men", "man": "men", "male": "men", "gentlemen": "men", "him": "men",
    "husband": "men", "boyfriend": "men", "dad": "men",
    "kids": "kids", "kid": "kids", "children": "kids", "child": "kids", "childrens": "kids",
    "boys": "kids", "boy": "kids", "girls": "kids", "girl": "kids", "youth": "kids", "teen": "kids",
    "teens": "kids", "toddler": "kids", "toddlers": "kids", "juniors": "kids",
    "baby": "baby", "babies": "baby", "babys": "baby", "infant": "baby", "infants": "baby",
    "newborn": "baby", "newborns": "baby", "baby girl": "baby", "baby boy": "baby", "baby girls": "baby",
    "baby boys": "baby", "toddler girl": "kids", "toddler boy": "kids", "toddler girls": "kids",
    "toddler boys": "kids", "teen girls": "kids", "teen boys": "kids", "teen girl": "kids", "teen boy": "kids",
    "big kids": "kids", "little girls": "kids", "little boys": "kids", "kids girl": "kids", "kids boy": "kids",
    "girls kids": "kids", "boys kids": "kids",
    "unisex": "unisex", "adult": "adult", "adults": "adult", "family": "family", "pets": "pets",
}  # fmt: skip

SIZE_WORDS = [
    p.strip()
    for p in """
xx-small, x-small, extra small, small, medium, large, x-large, extra large, xx-large, xxl, xxxl, xl, xs,
plus size, petite, big and tall, king size, queen size, queen, full size, twin size,
twin xl, california king, one size, travel size
""".split(",")
    if p.strip()
]

UNITS = (
    'inch|inches|in|"|ft|feet|foot|cm|mm|m|meter|meters|yard|yards|oz|ounce|ounces|fl oz|lb|lbs|pound|pounds|'
    "kg|g|gram|grams|ml|l|liter|liters|litre|gallon|gallons|gal|qt|quart|quarts|pint|pints|cup|cups|"
    "gb|tb|mb|mah|w|watt|watts|v|volt|volts|hz|mp"
)

QUANTITY_WORDS = {"bulk", "in bulk", "pack", "packs", "multipack", "multi pack", "by the yard", "pair", "pairs"}
NUMBER_WORDS = {"one": 1, "two": 2, "three": 3, "four": 4, "five": 5, "six": 6, "seven": 7, "eight": 8,
                "nine": 9, "ten": 10, "twelve": 12, "dozen": 12}  # fmt: skip

CHEAP_WORDS = {"cheap", "cheapest", "cheaper", "affordable", "inexpensive", "budget", "low price", "low cost",
               "clearance", "on sale", "sale", "bargain", "discount", "discounted"}  # fmt: skip
PREMIUM_WORDS = {"expensive", "premium", "luxury", "high end", "high-end", "upscale", "designer", "pricier", "fancier",
                 "posh", "luxurious"}  # fmt: skip

NEGATIONS = {"not", "no", "without", "non", "except", "excluding", "minus", "never", "w/o", "nothing"}

STOPWORDS = set(
    """a an the and or of for to in on with by at from is are be i im i'm me my we you your it its this that
    these those some any want need looking look find show get buy something please would like can could
    good nice best great new""".split()
)

QUESTION_STARTS = {"does", "do", "is", "are", "can", "will", "how", "what", "which", "who", "why", "where",
                   "when", "should", "could", "would", "did", "has", "have"}  # fmt: skip
SERVICE_WORDS = {"order", "orders", "refund", "refunds", "return", "returns", "delivery", "deliver", "shipping",
                 "ship", "shipped", "track", "tracking", "invoice", "receipt", "payment", "pay", "charged",
                 "account", "password", "login", "cancel", "cancellation", "newsletter", "unsubscribe",
                 "subscription", "complaint", "agent", "human", "customer service", "support", "address"}  # fmt: skip
