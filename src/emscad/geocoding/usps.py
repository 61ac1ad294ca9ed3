"""USPS Publication 28 tables: street suffixes, directionals, unit designators, states, ordinals."""

from __future__ import annotations

# Standard suffix abbreviation -> the spellings people and county files use for it (Pub. 28
# appendix C1, the common subset). Every spelling, and the abbreviation itself, maps to it.
_SUFFIXES: dict[str, tuple[str, ...]] = {
    "ALY": ("ALLEY", "ALLEE", "ALLY"),
    "ANX": ("ANNEX", "ANEX", "ANNX"),
    "ARC": ("ARCADE",),
    "AVE": ("AVENUE", "AV", "AVEN", "AVENU", "AVN", "AVNUE"),
    "BYU": ("BAYOU", "BAYOO"),
    "BCH": ("BEACH",),
    "BND": ("BEND",),
    "BLF": ("BLUFF", "BLUF"),
    "BLFS": ("BLUFFS",),
    "BTM": ("BOTTOM", "BOT", "BOTTM"),
    "BLVD": ("BOULEVARD", "BOUL", "BOULV", "BLV"),
    "BR": ("BRANCH", "BRNCH"),
    "BRG": ("BRIDGE", "BRDGE"),
    "BRK": ("BROOK",),
    "BRKS": ("BROOKS",),
    "BYP": ("BYPASS", "BYPA", "BYPAS", "BYPS"),
    "CP": ("CAMP", "CMP"),
    "CYN": ("CANYON", "CANYN", "CNYN"),
    "CSWY": ("CAUSEWAY", "CAUSWA"),
    "CTR": ("CENTER", "CEN", "CENT", "CENTR", "CENTRE", "CNTER", "CNTR"),
    "CIR": ("CIRCLE", "CIRC", "CIRCL", "CRCL", "CRCLE"),
    "CLF": ("CLIFF",),
    "CLFS": ("CLIFFS",),
    "CLB": ("CLUB",),
    "CMN": ("COMMON",),
    "CMNS": ("COMMONS",),
    "COR": ("CORNER",),
    "CORS": ("CORNERS",),
    "CRSE": ("COURSE",),
    "CT": ("COURT", "CRT"),
    "CTS": ("COURTS",),
    "CV": ("COVE",),
    "CVS": ("COVES",),
    "CRK": ("CREEK", "CK"),
    "CRES": ("CRESCENT", "CRSENT", "CRSNT"),
    "CRST": ("CREST",),
    "XING": ("CROSSING", "CRSSNG"),
    "XRD": ("CROSSROAD",),
    "XRDS": ("CROSSROADS",),
    "CURV": ("CURVE",),
    "DL": ("DALE",),
    "DM": ("DAM",),
    "DV": ("DIVIDE", "DIV", "DVD"),
    "DR": ("DRIVE", "DRIV", "DRV"),
    "DRS": ("DRIVES",),
    "EST": ("ESTATE",),
    "ESTS": ("ESTATES",),
    "EXPY": ("EXPRESSWAY", "EXP", "EXPR", "EXPRESS", "EXPW"),
    "EXT": ("EXTENSION", "EXTN", "EXTNSN"),
    "EXTS": ("EXTENSIONS",),
    "FLS": ("FALLS",),
    "FRY": ("FERRY", "FRRY"),
    "FLD": ("FIELD",),
    "FLDS": ("FIELDS",),
    "FLT": ("FLAT",),
    "FLTS": ("FLATS",),
    "FRD": ("FORD",),
    "FRST": ("FOREST", "FORESTS"),
    "FRG": ("FORGE", "FORG"),
    "FRK": ("FORK",),
    "FRKS": ("FORKS",),
    "FWY": ("FREEWAY", "FREEWY", "FRWAY", "FRWY"),
    "GDN": ("GARDEN", "GARDN", "GRDEN", "GRDN"),
    "GDNS": ("GARDENS", "GRDNS"),
    "GTWY": ("GATEWAY", "GATEWY", "GATWAY", "GTWAY"),
    "GLN": ("GLEN",),
    "GRN": ("GREEN",),
    "GRV": ("GROVE", "GROV"),
    "HBR": ("HARBOR", "HARB", "HARBR", "HRBOR"),
    "HVN": ("HAVEN",),
    "HTS": ("HEIGHTS", "HT"),
    "HWY": ("HIGHWAY", "HIGHWY", "HIWAY", "HIWY", "HWAY"),
    "HL": ("HILL",),
    "HLS": ("HILLS",),
    "HOLW": ("HOLLOW", "HLLW", "HOLLOWS", "HOLWS"),
    "INLT": ("INLET",),
    "IS": ("ISLAND", "ISLND"),
    "ISS": ("ISLANDS", "ISLNDS"),
    "JCT": ("JUNCTION", "JCTION", "JCTN", "JUNCTN", "JUNCTON"),
    "KY": ("KEY",),
    "KNL": ("KNOLL", "KNOL"),
    "KNLS": ("KNOLLS",),
    "LK": ("LAKE",),
    "LKS": ("LAKES",),
    "LNDG": ("LANDING", "LNDNG"),
    "LN": ("LANE",),
    "LGT": ("LIGHT",),
    "LCK": ("LOCK",),
    "LDG": ("LODGE", "LDGE", "LODG"),
    "LOOP": ("LOOPS",),
    "MALL": (),
    "MNR": ("MANOR",),
    "MNRS": ("MANORS",),
    "MDW": ("MEADOW",),
    "MDWS": ("MEADOWS", "MEDOWS"),
    "MEWS": (),
    "ML": ("MILL",),
    "MLS": ("MILLS",),
    "MSN": ("MISSION", "MISSN", "MSSN"),
    "MTWY": ("MOTORWAY",),
    "MTN": ("MOUNTAIN", "MNTAIN", "MNTN", "MOUNTIN", "MTIN"),
    "NCK": ("NECK",),
    "ORCH": ("ORCHARD", "ORCHRD"),
    "OVAL": ("OVL",),
    "OPAS": ("OVERPASS",),
    "PARK": ("PRK", "PARKS"),
    "PKWY": ("PARKWAY", "PARKWY", "PKWAY", "PKY", "PARKWAYS", "PKWYS"),
    "PASS": (),
    "PSGE": ("PASSAGE",),
    "PATH": ("PATHS",),
    "PIKE": ("PIKES",),
    "PNE": ("PINE",),
    "PNES": ("PINES",),
    "PL": ("PLACE",),
    "PLN": ("PLAIN",),
    "PLNS": ("PLAINS",),
    "PLZ": ("PLAZA", "PLZA"),
    "PT": ("POINT",),
    "PTS": ("POINTS",),
    "PRT": ("PORT",),
    "PR": ("PRAIRIE", "PRR"),
    "RADL": ("RADIAL", "RAD", "RADIEL"),
    "RAMP": (),
    "RNCH": ("RANCH", "RANCHES", "RNCHS"),
    "RPD": ("RAPID",),
    "RPDS": ("RAPIDS",),
    "RST": ("REST",),
    "RDG": ("RIDGE", "RDGE"),
    "RDGS": ("RIDGES",),
    "RIV": ("RIVER", "RVR", "RIVR"),
    "RD": ("ROAD",),
    "RDS": ("ROADS",),
    "RTE": ("ROUTE",),
    "ROW": (),
    "RUE": (),
    "RUN": (),
    "SHL": ("SHOAL",),
    "SHLS": ("SHOALS",),
    "SHR": ("SHORE", "SHOAR"),
    "SHRS": ("SHORES", "SHOARS"),
    "SKWY": ("SKYWAY",),
    "SPG": ("SPRING", "SPNG", "SPRNG"),
    "SPGS": ("SPRINGS", "SPNGS", "SPRNGS"),
    "SPUR": ("SPURS",),
    "SQ": ("SQUARE", "SQR", "SQRE", "SQU"),
    "SQS": ("SQUARES", "SQRS"),
    "STA": ("STATION", "STATN", "STN"),
    "STRM": ("STREAM", "STREME"),
    "ST": ("STREET", "STRT", "STR"),
    "STS": ("STREETS",),
    "SMT": ("SUMMIT", "SUMIT", "SUMITT"),
    "TER": ("TERRACE", "TERR"),
    "TRWY": ("THROUGHWAY",),
    "TRCE": ("TRACE", "TRACES"),
    "TRAK": ("TRACK", "TRACKS", "TRK", "TRKS"),
    "TRFY": ("TRAFFICWAY",),
    "TRL": ("TRAIL", "TRAILS", "TRLS"),
    "TRLR": ("TRAILER", "TRLRS"),
    "TUNL": ("TUNNEL", "TUNEL", "TUNLS", "TUNNELS", "TUNNL"),
    "TPKE": ("TURNPIKE", "TRNPK", "TURNPK"),
    "UPAS": ("UNDERPASS",),
    "UN": ("UNION",),
    "VLY": ("VALLEY", "VALLY", "VLLY"),
    "VLYS": ("VALLEYS",),
    "VIA": ("VIADUCT", "VDCT", "VIADCT"),
    "VW": ("VIEW",),
    "VWS": ("VIEWS",),
    "VLG": ("VILLAGE", "VILL", "VILLAG", "VILLG", "VILLIAGE"),
    "VLGS": ("VILLAGES",),
    "VL": ("VILLE",),
    "VIS": ("VISTA", "VIST", "VST", "VSTA"),
    "WALK": ("WALKS",),
    "WALL": (),
    "WAY": ("WY",),
    "WAYS": (),
    "WL": ("WELL",),
    "WLS": ("WELLS",),
}

SUFFIX: dict[str, str] = {
    spelling: abbr for abbr, spellings in _SUFFIXES.items() for spelling in (abbr, *spellings)
}
# The long form of each abbreviation, for spelling a suffix out (benchmark perturbations).
SUFFIX_LONG: dict[str, str] = {
    abbr: spellings[0] for abbr, spellings in _SUFFIXES.items() if spellings
}

DIRECTIONAL: dict[str, str] = {
    "N": "N", "NORTH": "N", "S": "S", "SOUTH": "S", "E": "E", "EAST": "E", "W": "W",
    "WEST": "W", "NE": "NE", "NORTHEAST": "NE", "NW": "NW", "NORTHWEST": "NW", "SE": "SE",
    "SOUTHEAST": "SE", "SW": "SW", "SOUTHWEST": "SW",
}  # fmt: skip
DIRECTIONAL_LONG: dict[str, str] = {
    "N": "North", "S": "South", "E": "East", "W": "West", "NE": "Northeast",
    "NW": "Northwest", "SE": "Southeast", "SW": "Southwest",
}  # fmt: skip

# Words that name a route wherever they stand ("Highway 365", "Interstate 30").
ROUTE_WORDS: dict[str, str] = {
    "HIGHWAY": "HWY", "HIGHWY": "HWY", "HIWAY": "HWY", "HIWY": "HWY", "HWAY": "HWY",
    "HWY": "HWY", "INTERSTATE": "I", "SAINT": "ST", "MOUNT": "MT", "FORT": "FT",
}  # fmt: skip

# Secondary unit designators (Pub. 28 appendix C2) plus the "#" people type.
UNIT_DESIGNATORS: dict[str, str] = {
    "APT": "Apt", "APARTMENT": "Apt", "UNIT": "Unit", "STE": "Ste", "SUITE": "Ste",
    "RM": "Rm", "ROOM": "Rm", "BLDG": "Bldg", "BUILDING": "Bldg", "FL": "Fl", "FLOOR": "Fl",
    "LOT": "Lot", "SPC": "Spc", "DEPT": "Dept", "#": "#",
}  # fmt: skip

STATES: frozenset[str] = frozenset({
    "AL", "AK", "AZ", "AR", "CA", "CO", "CT", "DE", "DC", "FL", "GA", "HI", "ID", "IL", "IN",
    "IA", "KS", "KY", "LA", "ME", "MD", "MA", "MI", "MN", "MS", "MO", "MT", "NE", "NV", "NH",
    "NJ", "NM", "NY", "NC", "ND", "OH", "OK", "OR", "PA", "RI", "SC", "SD", "TN", "TX", "UT",
    "VT", "VA", "WA", "WV", "WI", "WY", "PR", "GU", "VI", "AS", "MP", "ALABAMA", "ALASKA",
    "ARIZONA", "ARKANSAS", "CALIFORNIA", "COLORADO", "CONNECTICUT", "DELAWARE", "FLORIDA",
    "GEORGIA", "HAWAII", "IDAHO", "ILLINOIS", "INDIANA", "IOWA", "KANSAS", "KENTUCKY",
    "LOUISIANA", "MAINE", "MARYLAND", "MASSACHUSETTS", "MICHIGAN", "MINNESOTA", "MISSISSIPPI",
    "MISSOURI", "MONTANA", "NEBRASKA", "NEVADA", "OHIO", "OKLAHOMA", "OREGON", "PENNSYLVANIA",
    "TENNESSEE", "TEXAS", "UTAH", "VERMONT", "VIRGINIA", "WASHINGTON", "WISCONSIN", "WYOMING",
})  # fmt: skip

# Spelled-out ordinals ("Seventh St", "Twenty-First St") and their numbers.
ORDINAL_WORDS: dict[str, int] = {
    "FIRST": 1, "SECOND": 2, "THIRD": 3, "FOURTH": 4, "FIFTH": 5, "SIXTH": 6, "SEVENTH": 7,
    "EIGHTH": 8, "NINTH": 9, "TENTH": 10, "ELEVENTH": 11, "TWELFTH": 12, "THIRTEENTH": 13,
    "FOURTEENTH": 14, "FIFTEENTH": 15, "SIXTEENTH": 16, "SEVENTEENTH": 17, "EIGHTEENTH": 18,
    "NINETEENTH": 19, "TWENTIETH": 20, "THIRTIETH": 30, "FORTIETH": 40, "FIFTIETH": 50,
    "SIXTIETH": 60, "SEVENTIETH": 70, "EIGHTIETH": 80, "NINETIETH": 90, "HUNDREDTH": 100,
}  # fmt: skip
TENS_WORDS: dict[str, int] = {
    "TWENTY": 20, "THIRTY": 30, "FORTY": 40, "FIFTY": 50, "SIXTY": 60, "SEVENTY": 70,
    "EIGHTY": 80, "NINETY": 90,
}  # fmt: skip
_UNITS_SPELLED = ("", "First", "Second", "Third", "Fourth", "Fifth", "Sixth", "Seventh",
                  "Eighth", "Ninth")  # fmt: skip


def spell_ordinal(n: int) -> str | None:
    """7 -> "Seventh", 21 -> "Twenty-First"; None past 99 (nobody says those aloud)."""
    if not 0 < n < 100:
        return None
    for word, value in ORDINAL_WORDS.items():
        if value == n:
            return word.capitalize()
    tens, ones = divmod(n, 10)
    tens_word = next(w for w, v in TENS_WORDS.items() if v == tens * 10)
    return f"{tens_word.capitalize()}-{_UNITS_SPELLED[ones]}"
