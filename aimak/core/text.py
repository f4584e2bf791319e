"""Folding names so that people find a place however they spell it.

Kyrgyz, Russian and Latin spellings of the same place differ in predictable ways:
Жети-Өгүз, Жети-Огуз, Джети-Огуз, Jeti-Oguz and Djety-Oguz all fold to ``jetioguz``.
The folded key is a crude phonetic skeleton in Latin letters: it is only used for
matching, never shown.
"""

import re
import unicodedata

_CYRILLIC = {
    "а": "a", "б": "b", "в": "v", "г": "g", "д": "d", "е": "e", "ё": "e", "ж": "j",
    "з": "z", "и": "i", "й": "i", "к": "k", "л": "l", "м": "m", "н": "n", "ң": "n",
    "о": "o", "ө": "o", "п": "p", "р": "r", "с": "s", "т": "t", "у": "u", "ү": "u",
    "ф": "f", "х": "h", "ц": "ts", "ч": "ch", "ш": "sh", "щ": "sh", "ъ": "", "ы": "i",
    "ь": "", "э": "e", "ю": "iu", "я": "ia", "һ": "h", "ә": "a", "ҥ": "n", "ӊ": "n",
}
# Latin spellings that stand for one Cyrillic sound, longest first.
_LATIN = [("dzh", "j"), ("dj", "j"), ("zh", "j"), ("kh", "h"), ("y", "i"), ("q", "k"), ("w", "v"), ("x", "ks")]
_NOT_ALNUM = re.compile(r"[^0-9a-z]+")
_REPEATS = re.compile(r"([a-z])\1+")  # letters only: codes keep every digit


def fold(text: str) -> str:
    """Return the matching key of a name or query (may be empty)."""
    if not text:
        return ""
    text = text.casefold()  # not lower(): "ß" and "SS" must agree
    text = "".join(_CYRILLIC.get(ch, ch) for ch in text)
    # ö, ü, ñ and other accented Latin letters lose their marks.
    text = unicodedata.normalize("NFKD", text)
    text = "".join(ch for ch in text if not unicodedata.combining(ch))
    text = _NOT_ALNUM.sub("", text)
    for latin, plain in _LATIN:
        text = text.replace(latin, plain)
    return _REPEATS.sub(r"\1", text)


_TO_LATIN = {
    "а": "a", "б": "b", "в": "v", "г": "g", "д": "d", "е": "e", "ё": "yo", "ж": "j",
    "з": "z", "и": "i", "й": "y", "к": "k", "л": "l", "м": "m", "н": "n", "ң": "ng",
    "о": "o", "ө": "o", "п": "p", "р": "r", "с": "s", "т": "t", "у": "u", "ү": "u",
    "ф": "f", "х": "kh", "ц": "ts", "ч": "ch", "ш": "sh", "щ": "shch", "ъ": "", "ы": "y",
    "ь": "", "э": "e", "ю": "yu", "я": "ya",
}


def transliterate(text: str) -> str:
    """Latin spelling of a Kyrgyz or Russian name, in the style of OCHA's English names."""
    out = []
    for ch in text:
        lower = ch.lower()
        latin = _TO_LATIN.get(lower)
        if latin is None:
            out.append(ch)
        elif ch != lower and latin:
            out.append(latin[0].upper() + latin[1:])
        else:
            out.append(latin)
    return "".join(out)
