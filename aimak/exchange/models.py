"""Data exchange: what arrives from outside (Kobo, ODK Collect, DHIS2, spreadsheets) is kept
as it came, with what became of it.

A ``Submission`` is one delivery from a field-collection tool, stored raw *before* anything is
parsed, so that nothing a monitor sent can be lost, whatever happens to it next. Its
``instance_id`` (ODK's ``meta/instanceID``) makes a repeated delivery change nothing; an edit
(``meta/deprecatedID``) replaces the submission it names.
"""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _


class Submission(models.Model):
    class Channel(models.TextChoices):
        KOBO_WEBHOOK = "kobo_webhook", _("Kobo REST service")
        KOBO_PULL = "kobo_pull", _("Kobo server (pulled)")
        OPENROSA = "openrosa", _("ODK Collect (OpenRosa)")

    class Status(models.TextChoices):
        RECEIVED = "received", _("received, not yet processed")
        ACCEPTED = "accepted", _("accepted")
        REJECTED = "rejected", _("rejected")
        REVIEW = "review", _("waiting for review")
        REPLACED = "replaced", _("replaced by an edit")

    channel = models.CharField(_("channel"), max_length=16, choices=Channel.choices)
    instance_id = models.CharField(_("instance id"), max_length=120, unique=True)
    deprecated_id = models.CharField(_("replaces instance"), max_length=120, blank=True, db_index=True)
    form_code = models.CharField(_("form"), max_length=80, blank=True, db_index=True)
    payload = models.TextField(_("what was received"))
    content_type = models.CharField(max_length=100, blank=True)
    attachments = models.JSONField(_("attachments"), default=list, blank=True)  # [{"name", "type", "size"}]
    received_at = models.DateTimeField(_("received"), auto_now_add=True, db_index=True)
    integration = models.CharField(_("sent by (integration)"), max_length=100, blank=True)
    user = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("sent by"), null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    status = models.CharField(_("status"), max_length=10, choices=Status.choices, default=Status.RECEIVED, db_index=True)
    result = models.JSONField(_("result"), default=dict, blank=True)  # {"message": ..., "errors": {field: [..]}}
    processed_at = models.DateTimeField(_("processed"), null=True, blank=True)
    territory = models.ForeignKey("territories.Territory", verbose_name=_("territory"), null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    report = models.ForeignKey("monitoring.Report", verbose_name=_("report"), null=True, blank=True, on_delete=models.SET_NULL, related_name="submissions")
    # what an incident form's submission became (the incident follows edits: see services.odk)
    incident = models.ForeignKey("incidents.Incident", verbose_name=_("incident"), null=True, blank=True, on_delete=models.SET_NULL, related_name="submissions")

    territory_field = "territory"  # a submission not yet placed is seen by administrators only
    audited = True
    audit_exclude = ("payload",)

    class Meta:
        verbose_name = _("submission")
        verbose_name_plural = _("submissions")
        ordering = ["-received_at", "-id"]

    def __str__(self):
        return f"{self.get_channel_display()} {self.instance_id}"

    def get_absolute_url(self):
        from django.urls import reverse

        return reverse("exchange:submission", args=[self.pk])

    @classmethod
    def restricted_q(cls) -> Q:
        """The submission of a restricted incident holds what the incident holds: reading it
        needs ``view_restricted`` too."""
        return Q(incident__sensitivity="restricted")


class FormMapping(models.Model):
    """How to read a partner's own Kobo/ODK form (one Aimak did not generate) into an Aimak
    reporting form or into incident reports: which question gives the territory (and, for a
    report, the period), and which question feeds which indicator and disaggregation or which
    incident field. National configuration: changing it needs the ``configure`` right on the
    whole country, like the catalogue."""

    class Target(models.TextChoices):
        REPORT = "report", _("periodic report")
        INCIDENT = "incident", _("incident report")  # rows name incident fields; no reporting form, no period

    class PeriodRule(models.TextChoices):
        DATE = "date", _("a date inside the period")
        CODE = "code", _("a period code (2026-03, 2026Q1, 2026 or 202603)")
        PREVIOUS = "previous", _("the period before the submission date")

    name = models.CharField(_("name"), max_length=200)
    xform_id = models.CharField(_("form id on the Kobo/ODK server"), max_length=120, unique=True,
                               help_text=_("Kobo's _xform_id_string (the asset id, e.g. aQwErTy1234567) or the XForm's id."))
    target = models.CharField(_("feeds"), max_length=16, choices=Target.choices, default=Target.REPORT)
    form = models.ForeignKey("monitoring.ReportingForm", verbose_name=_("Aimak reporting form"), null=True, blank=True, on_delete=models.PROTECT, related_name="mappings")
    territory_question = models.CharField(_("territory question"), max_length=200)
    territory_choices = models.JSONField(_("territory choices"), default=dict, blank=True)  # {"choice name": "SOATE code"}
    period_question = models.CharField(_("period question"), max_length=200, blank=True)
    period_rule = models.CharField(_("how to read the period"), max_length=10, choices=PeriodRule.choices, default=PeriodRule.DATE)
    narrative_question = models.CharField(_("narrative question"), max_length=200, blank=True)
    sources_question = models.CharField(_("sources question"), max_length=200, blank=True)
    questions = models.JSONField(_("questions of the form definition"), default=list, blank=True)  # [{"path", "type", "label", "choices"}]
    is_active = models.BooleanField(_("in use"), default=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("created by"), null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    updated_at = models.DateTimeField(_("changed"), auto_now=True)

    territory_field = None  # national configuration
    audited = True
    audit_exclude = ("questions",)

    class Meta:
        verbose_name = _("form mapping")
        verbose_name_plural = _("form mappings")
        ordering = ["name", "id"]
        constraints = [models.CheckConstraint(condition=Q(target="incident") | Q(form__isnull=False), name="form_mapping_report_has_form")]

    def __str__(self):
        return f"{self.name} ({self.xform_id})"

    def get_absolute_url(self):
        from django.urls import reverse

        return reverse("exchange:mapping", args=[self.pk])


class FormMappingRow(models.Model):
    """One question of a partner's form feeding either one value cell of a report (indicator
    and category; "" is the total) or one field of an incident (``incident_field``, with
    ``choices`` translating the partner's choice names into Aimak's values: type codes, actor
    kinds...). Exactly one of indicator and incident field is set."""

    mapping = models.ForeignKey(FormMapping, on_delete=models.CASCADE, related_name="rows")
    question = models.CharField(_("question"), max_length=200)
    indicator = models.ForeignKey("monitoring.Indicator", verbose_name=_("indicator"), null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    category = models.CharField(_("category"), max_length=40, blank=True)
    incident_field = models.CharField(_("incident field"), max_length=40, blank=True)
    choices = models.JSONField(_("choices"), default=dict, blank=True)  # {"partner's choice name": "Aimak value"}
    order = models.PositiveSmallIntegerField(default=0)

    territory_field = None
    audited = True

    class Meta:
        verbose_name = _("form mapping row")
        verbose_name_plural = _("form mapping rows")
        ordering = ["mapping", "order", "id"]
        constraints = [
            models.UniqueConstraint(fields=["mapping", "question"], name="form_mapping_question_unique"),
            models.CheckConstraint(condition=(Q(indicator__isnull=False) & Q(incident_field=""))
                                   | (Q(indicator__isnull=True) & ~Q(incident_field="")), name="form_mapping_row_feeds_one_thing"),
        ]

    def __str__(self):
        if self.incident_field:
            return f"{self.question} → {self.incident_field}"
        return f"{self.question} → {self.indicator_id}:{self.category or 'total'}"


class ExportJob(models.Model):
    """One export someone asked for: written to a file by a background task, row by row, so
    that the whole national history leaves memory flat and no request times out.

    A job belongs to the person who asked for it; only they (and superusers) see it and its
    file, whatever their roles, because the file holds what *their* scope let them read."""

    class Kind(models.TextChoices):
        VALUES_CSV = "values_csv", _("All values (CSV)")
        VALUES_XLSX = "values_xlsx", _("All values (Excel)")
        DHIS2_JSON = "dhis2_json", _("DHIS2 data values (JSON)")
        DHIS2_CSV = "dhis2_csv", _("DHIS2 data values (CSV)")

    class Status(models.TextChoices):
        QUEUED = "queued", _("waiting")
        RUNNING = "running", _("running")
        DONE = "done", _("ready")
        FAILED = "failed", _("failed")

    requested_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("asked by"), on_delete=models.PROTECT, related_name="+")
    kind = models.CharField(_("kind"), max_length=16, choices=Kind.choices)
    parameters = models.JSONField(_("filters"), default=dict, blank=True)  # {"form", "territory", "period_from", "period_to", "language"}
    status = models.CharField(_("status"), max_length=10, choices=Status.choices, default=Status.QUEUED, db_index=True)
    rows_total = models.PositiveIntegerField(_("rows to write"), null=True, blank=True)  # COUNT at start
    rows_written = models.PositiveIntegerField(_("rows written"), default=0)
    progress = models.PositiveSmallIntegerField(_("progress (%)"), default=0)
    file_path = models.CharField(_("file"), max_length=255, blank=True)  # relative to MEDIA_ROOT, under exports/
    size = models.PositiveBigIntegerField(_("size (bytes)"), null=True, blank=True)
    error = models.TextField(_("error"), blank=True)
    task_id = models.CharField(max_length=64, blank=True, editable=False)
    created_at = models.DateTimeField(_("asked"), auto_now_add=True)
    started_at = models.DateTimeField(_("started"), null=True, blank=True)
    finished_at = models.DateTimeField(_("finished"), null=True, blank=True)
    expires_at = models.DateTimeField(_("available until"), null=True, blank=True)

    territory_field = None  # belongs to its requester: listed and served to them (and superusers) only
    audited = True

    class Meta:
        verbose_name = _("export")
        verbose_name_plural = _("exports")
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["requested_by", "-created_at"], name="exportjob_mine")]

    def __str__(self):
        return f"{self.get_kind_display()} #{self.pk}"

    @property
    def extension(self) -> str:
        return {"values_csv": "csv", "values_xlsx": "xlsx", "dhis2_json": "json", "dhis2_csv": "csv"}[self.kind]

    @property
    def is_active(self) -> bool:
        return self.status in (self.Status.QUEUED, self.Status.RUNNING)

    def get_absolute_url(self):
        from django.urls import reverse

        return reverse("exchange:export-download", args=[self.pk])
