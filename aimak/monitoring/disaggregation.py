"""Disaggregation presets: the ways a value is split, as people count (no category combos).

Every value has a category: "" is the total; the others are the parts of the preset. Parts
are "of which" figures: each, and their sum, may not exceed the total."""

from __future__ import annotations

from dataclasses import dataclass

from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

NONE, SEX, SEX_AGE, ETHNICITY = "none", "sex", "sex_age", "ethnicity"
TOTAL = ""


@dataclass(frozen=True)
class Category:
    code: str
    label: object  # lazy translated
    group: object = ""  # the row the form puts it on (e.g. "women"), "" for none


AGE_BANDS = [("0_17", _("under 18")), ("18_29", _("18–29")), ("30_59", _("30–59")), ("60", _("60 and over"))]

PRESETS: dict[str, tuple] = {
    NONE: (_("no split"), []),
    SEX: (_("women / men"), [Category("f", _("women")), Category("m", _("men"))]),
    SEX_AGE: (
        _("women / men by age band"),
        [Category(f"{s}_{a}", label, group) for s, group in (("f", _("women")), ("m", _("men"))) for a, label in AGE_BANDS],
    ),
    ETHNICITY: (
        _("ethnic group"),
        [
            Category("kyrgyz", pgettext_lazy("ethnic group", "Kyrgyz")),
            Category("uzbek", pgettext_lazy("ethnic group", "Uzbek")),
            Category("russian", pgettext_lazy("ethnic group", "Russian")),
            Category("dungan", pgettext_lazy("ethnic group", "Dungan")),
            Category("tajik", pgettext_lazy("ethnic group", "Tajik")),
            Category("other", _("other groups")),
        ],
    ),
}
PRESET_CHOICES = [(code, label) for code, (label, _parts) in PRESETS.items()]


def categories(preset: str) -> list[Category]:
    return PRESETS.get(preset or NONE, PRESETS[NONE])[1]


def category_codes(preset: str) -> list[str]:
    return [c.code for c in categories(preset)]


def label(preset: str, code: str):
    if code == TOTAL:
        return _("total")
    for c in categories(preset):
        if c.code == code:
            return f"{c.group} {c.label}".strip() if c.group else c.label
    return code
