"""Data exchange: what arrives from outside (Kobo, ODK Collect, DHIS2, spreadsheets) is kept
as it came, with what became of it.

A ``Submission`` is one delivery from a field-collection tool, stored raw *before* anything is
parsed, so that nothing a monitor sent can be lost, whatever happens to it next. Its
``instance_id`` (ODK's ``meta/instanceID``) makes a repeated delivery change nothing; an edit
(``meta/deprecatedID``) replaces the submission it names.
"""

from django.conf import settings
from django.db import models
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
