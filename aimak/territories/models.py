"""The gazetteer: Kyrgyz territories as they are and as they were.

A ``Territory`` is one unit over its whole life (its identity survives renames, new codes and
moves). Its own fields hold its latest known state, used for everyday pages, search and
access scoping. ``TerritoryVersion`` rows keep each state with the dates it was valid, so the
tree can be asked "as of" any date. ``TerritoryChange`` events (merge, split, rename...) are
what open and close versions, and their links (predecessor -> successor, with a share) are
what lets data recorded for an abolished unit be rolled up onto the units that took it over.
"""

from django.db import models
from django.db.models import Q
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

PATH_STEP = 6  # base-36 digits per level: ids up to 2,176,782,335


def path_step(pk: int) -> str:
    digits = "0123456789abcdefghijklmnopqrstuvwxyz"
    out = ""
    while True:
        pk, rest = divmod(pk, 36)
        out = digits[rest] + out
        if not pk:
            break
    if len(out) > PATH_STEP:
        raise ValueError("territory id too large for the path encoding")
    return out.rjust(PATH_STEP, "0")


def path_ids(path: str) -> list[int]:
    return [int(path[i : i + PATH_STEP], 36) for i in range(0, len(path), PATH_STEP)]


class TerritoryKind(models.TextChoices):
    COUNTRY = "country", _("country")
    OBLAST = "oblast", _("oblast")
    REPUBLICAN_CITY = "republican_city", _("city of republican significance")
    RAYON = "rayon", _("rayon")
    CITY = "city", _("city of oblast significance")
    CITY_DISTRICT = "city_district", _("city district")
    AIYL_AIMAK = "aiyl_aimak", _("aiyl aimak")
    TOWN = "town", _("town")
    VILLAGE = "village", _("village")


class Level(models.IntegerChoices):
    """How deep a kind usually sits; maps and roll-ups work level by level."""

    COUNTRY = 0, _("country")
    REGION = 1, _("oblasts and republican cities")
    DISTRICT = 2, _("rayons and cities")
    MUNICIPALITY = 3, _("aiyl aimaks and towns")
    SETTLEMENT = 4, _("villages")


KIND_LEVEL = {
    TerritoryKind.COUNTRY: Level.COUNTRY,
    TerritoryKind.OBLAST: Level.REGION,
    TerritoryKind.REPUBLICAN_CITY: Level.REGION,
    TerritoryKind.RAYON: Level.DISTRICT,
    TerritoryKind.CITY: Level.DISTRICT,
    TerritoryKind.CITY_DISTRICT: Level.DISTRICT,
    TerritoryKind.AIYL_AIMAK: Level.MUNICIPALITY,
    TerritoryKind.TOWN: Level.MUNICIPALITY,
    TerritoryKind.VILLAGE: Level.SETTLEMENT,
}
MUNICIPAL_KINDS = (TerritoryKind.AIYL_AIMAK, TerritoryKind.TOWN, TerritoryKind.CITY, TerritoryKind.REPUBLICAN_CITY)


class ValidityQuerySet(models.QuerySet):
    def valid_on(self, day):
        """Rows valid on ``day``: started on or before it (or always), not yet ended."""
        return self.filter(Q(valid_from__isnull=True) | Q(valid_from__lte=day)).filter(
            Q(valid_to__isnull=True) | Q(valid_to__gt=day)
        )


class TerritoryQuerySet(ValidityQuerySet):
    def current(self):
        return self.filter(valid_to__isnull=True)

    def descendants_of(self, territory, include_self=False):
        qs = self.filter(path__startswith=territory.path)
        return qs if include_self else qs.exclude(pk=territory.pk)

    def at_level(self, level: int):
        return self.filter(kind__in=[k for k, lv in KIND_LEVEL.items() if lv == level])


class Territory(models.Model):
    code = models.CharField(_("SOATE code"), max_length=14, db_index=True, help_text=_("14 digits: 417 OO RRR AAA VVV"))
    pcode = models.CharField(_("P-code"), max_length=16, blank=True, db_index=True)
    iso_code = models.CharField(_("ISO 3166-2 code"), max_length=8, blank=True)
    kind = models.CharField(_("kind"), max_length=20, choices=TerritoryKind.choices)
    name = models.CharField(_("name"), max_length=200)
    short_name = models.CharField(_("short name"), max_length=120, blank=True)
    parent = models.ForeignKey(
        "self", verbose_name=_("part of"), null=True, blank=True, on_delete=models.PROTECT, related_name="children"
    )
    path = models.CharField(max_length=PATH_STEP * 8, db_index=True, editable=False)
    depth = models.PositiveSmallIntegerField(default=0, editable=False)
    latitude = models.FloatField(_("latitude"), null=True, blank=True)
    longitude = models.FloatField(_("longitude"), null=True, blank=True)
    geometry = models.JSONField(_("boundary (full precision)"), null=True, blank=True)
    geometry_web = models.JSONField(_("boundary (simplified for maps)"), null=True, blank=True)
    population = models.PositiveIntegerField(_("population"), null=True, blank=True)
    population_year = models.PositiveSmallIntegerField(_("population year"), null=True, blank=True)
    valid_from = models.DateField(_("valid from"), null=True, blank=True)
    valid_to = models.DateField(_("valid until"), null=True, blank=True, help_text=_("Empty while the unit exists."))
    search_key = models.TextField(editable=False, default="")
    sources = models.JSONField(_("where the data came from"), default=dict, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    objects = TerritoryQuerySet.as_manager()

    territory_field = "self"
    audited = True
    audit_exclude = ("path", "depth")

    class Meta:
        verbose_name = _("territory")
        verbose_name_plural = _("territories")
        ordering = ["path"]
        constraints = [
            models.UniqueConstraint(fields=["code"], condition=Q(valid_to__isnull=True), name="territory_code_unique_while_valid"),
            models.CheckConstraint(condition=Q(depth__lte=8), name="territory_depth_bounded"),
        ]
        indexes = [models.Index(fields=["kind", "valid_to"])]

    def __str__(self):
        return self.name or self.code

    @property
    def level(self) -> int:
        return KIND_LEVEL[self.kind]

    @property
    def is_current(self) -> bool:
        return self.valid_to is None

    @property
    def ancestor_ids(self) -> list[int]:
        return path_ids(self.path)[:-1]

    def get_absolute_url(self):
        if self.valid_to is None:
            return reverse("territories:detail", args=[self.code])
        return reverse("territories:detail-id", args=[self.pk])

    @classmethod
    def public_q(cls):
        """The gazetteer is public reference data (an empty Q would vanish inside an OR)."""
        return Q(pk__isnull=False)


class TerritoryName(models.Model):
    """Other names people use or used: variant spellings, former names, names in other scripts."""

    class Kind(models.TextChoices):
        VARIANT = "variant", _("variant spelling")
        FORMER = "former", _("former name")
        FORMER_CODE = "former_code", _("former code")

    territory = models.ForeignKey(Territory, on_delete=models.CASCADE, related_name="other_names")
    name = models.CharField(_("name"), max_length=200)
    language = models.CharField(_("language"), max_length=8, blank=True)
    kind = models.CharField(_("kind"), max_length=12, choices=Kind.choices, default=Kind.VARIANT)
    valid_to = models.DateField(_("used until"), null=True, blank=True)

    territory_field = "territory"

    class Meta:
        verbose_name = _("other name")
        verbose_name_plural = _("other names")
        constraints = [models.UniqueConstraint(fields=["territory", "name", "kind"], name="territory_name_unique")]

    def __str__(self):
        return self.name


class GazetteerEdition(models.Model):
    """A dated state of the whole tree; reports on history say which edition they used."""

    territory_field = None  # about the whole country
    audited = True

    name = models.CharField(_("name"), max_length=200, unique=True)
    effective_date = models.DateField(_("effective date"), null=True, blank=True)
    source = models.CharField(_("source"), max_length=300, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("edition of the territory tree")
        verbose_name_plural = _("editions of the territory tree")
        ordering = ["effective_date", "created_at"]

    def __str__(self):
        return self.name


class TerritoryChange(models.Model):
    territory_field = None  # public events of the national tree; links name the units
    audited = True

    class Kind(models.TextChoices):
        CREATE = "create", _("creation")
        RENAME = "rename", _("renaming")
        MERGE = "merge", _("merger")
        SPLIT = "split", _("split")
        REPARENT = "reparent", _("move to another parent")
        CODE_CHANGE = "code_change", _("code change")
        ABOLISH = "abolish", _("abolition")

    key = models.CharField(_("event id"), max_length=100, unique=True)
    kind = models.CharField(_("kind of change"), max_length=12, choices=Kind.choices)
    effective_date = models.DateField(_("effective date"))
    edition = models.ForeignKey(GazetteerEdition, on_delete=models.PROTECT, related_name="changes", verbose_name=_("edition"))
    note = models.TextField(_("note"), blank=True)
    fingerprint = models.CharField(max_length=64, editable=False)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("territorial change")
        verbose_name_plural = _("territorial changes")
        ordering = ["effective_date", "id"]

    def __str__(self):
        return f"{self.key} ({self.get_kind_display()}, {self.effective_date})"


class TerritoryChangeLink(models.Model):
    """Which unit took over (a share of) which; the same unit on both sides for renames and moves."""

    territory_field = None  # part of its change event

    change = models.ForeignKey(TerritoryChange, on_delete=models.CASCADE, related_name="links")
    predecessor = models.ForeignKey(Territory, null=True, blank=True, on_delete=models.PROTECT, related_name="successor_links")
    successor = models.ForeignKey(Territory, null=True, blank=True, on_delete=models.PROTECT, related_name="predecessor_links")
    share = models.DecimalField(_("share"), max_digits=7, decimal_places=6, default=1)

    class Meta:
        constraints = [
            models.CheckConstraint(condition=Q(share__gt=0) & Q(share__lte=1), name="change_link_share_in_range"),
            models.CheckConstraint(
                condition=Q(predecessor__isnull=False) | Q(successor__isnull=False), name="change_link_has_a_side"
            ),
        ]


class TerritoryVersion(models.Model):
    territory_field = "territory"

    territory = models.ForeignKey(Territory, on_delete=models.CASCADE, related_name="versions")
    valid_from = models.DateField(null=True, blank=True)
    valid_to = models.DateField(null=True, blank=True)
    code = models.CharField(max_length=14, db_index=True)
    kind = models.CharField(max_length=20, choices=TerritoryKind.choices)
    name = models.CharField(max_length=200)
    parent = models.ForeignKey(Territory, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    path = models.CharField(max_length=PATH_STEP * 8, db_index=True)
    depth = models.PositiveSmallIntegerField(default=0)
    change = models.ForeignKey(TerritoryChange, null=True, blank=True, on_delete=models.PROTECT, related_name="opened_versions")

    objects = ValidityQuerySet.as_manager()

    class Meta:
        ordering = ["territory_id", "valid_from"]
        indexes = [models.Index(fields=["valid_from", "valid_to"])]
        constraints = [
            models.CheckConstraint(
                condition=Q(valid_from__isnull=True) | Q(valid_to__isnull=True) | Q(valid_to__gt=models.F("valid_from")),
                name="territory_version_dates_ordered",
            )
        ]

    def __str__(self):
        return f"{self.name} [{self.valid_from or '…'} – {self.valid_to or '…'}]"
