"""The words the data generator draws names, addresses and cards from."""

_ADJECTIVES_TEXT = (
    "Acme Apex Atlas Azure Beacon Birch Blue Bold Bright Canyon Cedar Citrus Clear Cobalt "
    "Coral Crest Crown Delta Eagle Echo Ember Evergreen Falcon Fern Golden Granite Harbor "
    "Hazel Horizon Iron Ivory Jade Juniper Keystone Lake Laurel Liberty Lumen Maple "
    "Meridian Metro Mosaic Nimbus Noble North Oak Orbit Pacific Pine Pioneer Prairie "
    "Quartz Radiant Redwood River Sable Sierra Silver Solar Summit Sunset Terra Tidal "
    "Timber Union Vista Willow Zenith"
)
ADJECTIVES = _ADJECTIVES_TEXT.split()
_NOUNS_TEXT = (
    "Analytics Bakery Builders Capital Clinic Consulting Designs Dynamics Electric Energy "
    "Engineering Farms Foods Freight Goods Health Imaging Industries Labs Learning "
    "Logistics Machines Media Medical Metals Mills Motors Networks Outfitters Partners "
    "Pharma Plastics Printing Robotics Security Software Solutions Studios Supply Systems "
    "Textiles Tools Transport Travel Ventures Wellness Works"
)
NOUNS = _NOUNS_TEXT.split()
SUFFIXES = ("Inc", "LLC", "Ltd", "Co", "Corp", "Group", "Holdings", "LLP")
CITIES = (
    ("San Francisco", "CA", "941"),
    ("Los Angeles", "CA", "900"),
    ("New York", "NY", "100"),
    ("Austin", "TX", "787"),
    ("Seattle", "WA", "981"),
    ("Denver", "CO", "802"),
    ("Chicago", "IL", "606"),
    ("Boston", "MA", "021"),
    ("Miami", "FL", "331"),
    ("Portland", "OR", "972"),
)
_FIRST_NAMES_TEXT = "Ana Ben Chloe Diego Emma Farid Grace Hugo Iris Jonas Kira Liam Maya Noah"
FIRST_NAMES = _FIRST_NAMES_TEXT.split()
_LAST_NAMES_TEXT = "Lopez Smith Chen Patel Garcia Kim Novak Silva Brown Okafor Rossi Weber"
LAST_NAMES = _LAST_NAMES_TEXT.split()
BRANDS = ("visa", "mastercard", "amex", "discover")
