"""How each language writes the name of a unit of a given kind.

The sources give Russian names in their official long form ("Барскоонский айылный аймак")
and Kyrgyz and English names in their short form ("Барскоон", "Barskoon"). Aimak keeps both
forms in all three languages: the full name on pages and documents, the short one on maps.
"""

import re

from aimak.core.text import fold, transliterate

from .models import TerritoryKind as K

FULL_FORM = {
    "ky": {
        K.COUNTRY: "{}",
        K.OBLAST: "{} облусу",
        K.REPUBLICAN_CITY: "{} шаары",
        K.RAYON: "{} району",
        K.CITY: "{} шаары",
        K.CITY_DISTRICT: "{} району",
        K.AIYL_AIMAK: "{} айыл аймагы",
        K.TOWN: "{}",
        K.VILLAGE: "{}",
    },
    "en": {
        K.COUNTRY: "{}",
        K.OBLAST: "{} oblast",
        K.REPUBLICAN_CITY: "{} city",
        K.RAYON: "{} rayon",
        K.CITY: "{} city",
        K.CITY_DISTRICT: "{} district",
        K.AIYL_AIMAK: "{} aiyl aimak",
        K.TOWN: "{}",
        K.VILLAGE: "{}",
    },
}

# Russian kind words to strip for the short form.
_RU_KIND_WORDS = re.compile(
    r"\s*(айылный аймак|айыльный аймак|сельский округ|район|область|г\.|город|пгт|пос\.)\s*",
    re.IGNORECASE,
)
# Kyrgyz/English short names in the open-admin-data set carry a city marker.
_SHORT_MARKERS = re.compile(r"\s*(\(city\)|ш\.)\s*$", re.IGNORECASE)
_RU_ADJECTIVE = re.compile(r"(ский|цкий|ской|ская|ское)$")


def full_name(short: str, kind: str, language: str) -> str:
    form = FULL_FORM.get(language, {}).get(kind, "{}")
    return form.format(short) if short else ""


def short_from_russian(name_ru: str) -> str:
    """'Барскоонский айылный аймак' -> 'Барскоонский'; 'г. Балыкчы' -> 'Балыкчы'."""
    return _RU_KIND_WORDS.sub(" ", name_ru).strip() or name_ru.strip()


def clean_short(name: str) -> str:
    """'Балыкчы ш.' -> 'Балыкчы'; 'Balykchy (city)' -> 'Balykchy'."""
    return _SHORT_MARKERS.sub("", name or "").strip()


def stem_from_russian(name_ru: str) -> str:
    """Best guess of the proper name inside a Russian adjective: 'Ак-Шыйракский' -> 'Ак-Шыйрак'."""
    short = short_from_russian(name_ru)
    parts = short.split()
    if parts:
        parts[0] = _RU_ADJECTIVE.sub("", parts[0])
    return " ".join(parts)


def derived_names(name_ru: str, kind: str) -> dict:
    """Kyrgyz and English names guessed from the Russian one, for units the sources lack."""
    stem = stem_from_russian(name_ru)
    latin = transliterate(stem)
    return {
        "short_name_ky": stem,
        "name_ky": full_name(stem, kind, "ky"),
        "short_name_en": latin,
        "name_en": full_name(latin, kind, "en"),
    }


def search_key(values) -> str:
    """One text that holds the folded form of every name and code, separated by '|'."""
    keys = []
    for value in values:
        key = fold(value or "")
        if key and key not in keys:
            keys.append(key)
    return "|" + "|".join(keys) + "|"
