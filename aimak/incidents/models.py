"""Incident reports: one event (a fight, a blockade, a protest, hate speech...) with its date,
place, actors, casualties and sources, recorded once and counted everywhere.

Fields mirror ACLED's event data (``exchange.md``) so that an export compares with ACLED's
coverage of Kyrgyzstan and ACLED's own events load as a reference layer (``origin`` says which
rows are whose). Aimak's incident types are finer than ACLED's and map onto them.

Incidents feed the incident-count indicators through the *incident register*: a system report
per territory and month whose values are counted from incidents by the database (ADR 0008).
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.urls import reverse
from django.utils.translation import gettext_lazy as _


class DisorderType(models.TextChoices):
    POLITICAL_VIOLENCE = "Political violence", _("political violence")
    DEMONSTRATIONS = "Demonstrations", _("demonstrations")
    STRATEGIC = "Strategic developments", _("strategic developments")


class EventType(models.TextChoices):
    """ACLED's event types, spelled as ACLED writes them (they are exchanged as text)."""

    BATTLES = "Battles", _("battles")
    EXPLOSIONS = "Explosions/Remote violence", _("explosions / remote violence")
    VIOLENCE_AGAINST_CIVILIANS = "Violence against civilians", _("violence against civilians")
    PROTESTS = "Protests", _("protests")
    RIOTS = "Riots", _("riots")
    STRATEGIC = "Strategic developments", _("strategic developments")


class ActorKind(models.IntegerChoices):
    """ACLED's inter codes."""

    STATE = 1, _("state forces")
    REBELS = 2, _("rebel groups")
    POLITICAL_MILITIA = 3, _("political militias")
    IDENTITY_MILITIA = 4, _("identity militias")
    RIOTERS = 5, _("rioters")
    PROTESTERS = 6, _("protesters")
    CIVILIANS = 7, _("civilians")
    EXTERNAL = 8, _("external or other forces")


class Precision(models.IntegerChoices):
    """ACLED's time and geo precision: 1 is exact."""

    EXACT = 1, _("exact")
    NEAR = 2, _("approximate (within a week / near the place)")
    AREA = 3, _("rough (within the month / only the area is known)")


class IncidentType(models.Model):
    """Aimak's own kind of incident (land dispute escalated, road blockade, hate speech...):
    a sub-type under a type, mapped to ACLED's event and sub-event type, and the indicator it is
    counted in. National configuration."""

    code = models.SlugField(_("code"), max_length=40, unique=True)
    name = models.CharField(_("name"), max_length=200)
    description = models.TextField(_("description"), blank=True)
    parent = models.ForeignKey("self", verbose_name=_("type"), null=True, blank=True, on_delete=models.PROTECT, related_name="subtypes")
    disorder_type = models.CharField(_("ACLED disorder type"), max_length=40, choices=DisorderType.choices, blank=True)
    event_type = models.CharField(_("ACLED event type"), max_length=40, choices=EventType.choices, blank=True)
    sub_event_type = models.CharField(_("ACLED sub-event type"), max_length=80, blank=True)
    indicator = models.ForeignKey(
        "monitoring.Indicator", verbose_name=_("counted in indicator"), null=True, blank=True, on_delete=models.PROTECT,
        related_name="incident_types", limit_choices_to={"value_origin": "incidents"},
    )
    order = models.PositiveSmallIntegerField(_("order"), default=0)
    is_active = models.BooleanField(_("in use"), default=True)

    territory_field = None  # national configuration
    audited = True

    class Meta:
        verbose_name = _("incident type")
        verbose_name_plural = _("incident types")
        ordering = ["order", "code"]

    def __str__(self):
        return self.name


class Incident(models.Model):
    class Verification(models.TextChoices):
        UNVERIFIED = "unverified", _("not yet verified")
        VERIFIED = "verified", _("verified")
        FALSE = "false", _("false report")

    class Sensitivity(models.TextChoices):
        PUBLIC = "public", _("public")
        RESTRICTED = "restricted", _("restricted")

    class Origin(models.TextChoices):
        AIMAK = "aimak", _("Aimak monitors")
        ACLED = "acled", _("ACLED (reference layer)")

    origin = models.CharField(_("recorded by"), max_length=10, choices=Origin.choices, default=Origin.AIMAK, db_index=True)
    # ACLED's event_id_cnty for the reference layer; the field collection tool's instance id
    # for incidents sent from Kobo/ODK. Either makes a repeated delivery change nothing.
    external_id = models.CharField(_("external id"), max_length=120, blank=True)
    source_dataset = models.CharField(_("dataset"), max_length=200, blank=True)

    date = models.DateField(_("date"), db_index=True)
    date_precision = models.PositiveSmallIntegerField(_("date precision"), choices=Precision.choices, default=Precision.EXACT)
    territory = models.ForeignKey("territories.Territory", verbose_name=_("territory"), on_delete=models.PROTECT, related_name="+")
    village = models.CharField(_("village or place"), max_length=200, blank=True)
    latitude = models.DecimalField(_("latitude"), max_digits=9, decimal_places=6, null=True, blank=True)
    longitude = models.DecimalField(_("longitude"), max_digits=9, decimal_places=6, null=True, blank=True)
    geo_precision = models.PositiveSmallIntegerField(_("place precision"), choices=Precision.choices, default=Precision.EXACT)

    incident_type = models.ForeignKey(IncidentType, verbose_name=_("type"), on_delete=models.PROTECT, related_name="incidents")
    actor1 = models.CharField(_("first actor"), max_length=200, blank=True)
    actor1_kind = models.PositiveSmallIntegerField(_("kind of first actor"), choices=ActorKind.choices, null=True, blank=True)
    assoc_actor1 = models.CharField(_("with the first actor"), max_length=300, blank=True)
    actor2 = models.CharField(_("second actor"), max_length=200, blank=True)
    actor2_kind = models.PositiveSmallIntegerField(_("kind of second actor"), choices=ActorKind.choices, null=True, blank=True)
    assoc_actor2 = models.CharField(_("with the second actor"), max_length=300, blank=True)
    groups = models.CharField(_("groups involved"), max_length=300, blank=True)

    participants = models.PositiveIntegerField(_("participants"), null=True, blank=True)
    injured = models.PositiveIntegerField(_("injured"), default=0)
    injured_women = models.PositiveIntegerField(_("of which women injured"), null=True, blank=True)
    killed = models.PositiveIntegerField(_("killed"), default=0)
    killed_women = models.PositiveIntegerField(_("of which women killed"), null=True, blank=True)
    displaced_households = models.PositiveIntegerField(_("displaced households"), default=0)

    description = models.TextField(_("what happened"))
    sources = models.TextField(_("sources"), blank=True)
    verification = models.CharField(_("verification"), max_length=12, choices=Verification.choices, default=Verification.UNVERIFIED, db_index=True)
    verification_note = models.TextField(_("verification note"), blank=True)
    sensitivity = models.CharField(_("sensitivity"), max_length=12, choices=Sensitivity.choices, default=Sensitivity.PUBLIC)

    reported_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("recorded by"), null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    integration = models.CharField(_("sent by (integration)"), max_length=100, blank=True)
    created_at = models.DateTimeField(_("recorded"), auto_now_add=True)
    updated_at = models.DateTimeField(_("changed"), auto_now=True)
    is_synthetic = models.BooleanField(_("synthetic demo data"), default=False)

    territory_field = "territory"
    audited = True

    class Meta:
        verbose_name = _("incident")
        verbose_name_plural = _("incidents")
        ordering = ["-date", "-id"]
        constraints = [
            models.UniqueConstraint(fields=["origin", "external_id"], condition=~Q(external_id=""), name="incident_external_id_unique"),
            models.CheckConstraint(condition=Q(injured_women__isnull=True) | Q(injured_women__lte=models.F("injured")), name="incident_injured_women_within"),
            models.CheckConstraint(condition=Q(killed_women__isnull=True) | Q(killed_women__lte=models.F("killed")), name="incident_killed_women_within"),
            models.CheckConstraint(condition=(Q(latitude__isnull=True) & Q(longitude__isnull=True)) | (Q(latitude__isnull=False) & Q(longitude__isnull=False)),
                                   name="incident_coordinates_complete"),
        ]
        indexes = [models.Index(fields=["territory", "date"], name="incident_place_date")]

    def __str__(self):
        return f"{self.reference} · {self.incident_type} · {self.date.isoformat()}"

    def get_absolute_url(self):
        return reverse("incidents:incident", args=[self.pk])

    @property
    def reference(self) -> str:
        """What people quote: ACLED's own id for the reference layer, AIM<number> for ours."""
        if self.origin == self.Origin.ACLED and self.external_id:
            return self.external_id
        return f"AIM{self.pk}"

    @property
    def is_counted(self) -> bool:
        return self.origin == self.Origin.AIMAK and self.verification != self.Verification.FALSE

    @classmethod
    def restricted_q(cls) -> Q:
        """Rows only people with ``view_restricted`` where they live may see."""
        return Q(sensitivity=cls.Sensitivity.RESTRICTED)

    @classmethod
    def own_q(cls, user) -> Q:
        return Q(reported_by_id=user.pk) if not getattr(user, "is_integration", False) else Q(pk__in=[])


class IncidentEvent(models.Model):
    """The incident's history as people read it: recorded, corrected, verified, marked false.
    (The audit trail keeps every field's before and after.)"""

    class Action(models.TextChoices):
        RECORDED = "recorded", _("recorded")
        CHANGED = "changed", _("corrected")
        VERIFIED = "verified", _("verified")
        MARKED_FALSE = "false", _("marked as a false report")
        REOPENED = "reopened", _("verification reopened")

    incident = models.ForeignKey(Incident, on_delete=models.CASCADE, related_name="events")
    action = models.CharField(_("action"), max_length=12, choices=Action.choices)
    user = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    integration = models.CharField(max_length=100, blank=True)
    comment = models.TextField(_("comment"), blank=True)
    created_at = models.DateTimeField(_("when"), auto_now_add=True)

    territory_field = "incident__territory"

    class Meta:
        ordering = ["-created_at", "-id"]

    @classmethod
    def restricted_q(cls) -> Q:
        return Q(incident__sensitivity=Incident.Sensitivity.RESTRICTED)

    def __str__(self):
        return f"{self.get_action_display()} {self.incident_id}"
