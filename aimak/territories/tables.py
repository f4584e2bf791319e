from django.utils.translation import gettext_lazy as _

from aimak.core.tables import Column

TERRITORY_COLUMNS = [
    Column(_("Name"), "name", link=True),
    Column(_("Kind"), "get_kind_display"),
    Column(_("SOATE code"), "code"),
    Column(_("P-code"), "pcode"),
    Column(_("Part of"), "parent.name"),
    Column(_("Kyrgyz"), "name_ky"),
    Column(_("Russian"), "name_ru"),
    Column(_("English"), "name_en"),
    Column(_("Latitude"), "latitude"),
    Column(_("Longitude"), "longitude"),
    Column(_("Valid until"), "valid_to"),
]
