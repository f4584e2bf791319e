"""Calls and their review: a reusable engine for competitions (the best inclusive program) and,
later, small-grant calls.

A call has an organiser, the territories that may apply, dates, weighted criteria on a scale
and a commission. Applicants (municipalities, later organisations) apply with something they
link to (a development program today; a project proposal later) and attachments. Each
commission member declares whether they have a conflict of interest with an application and,
if not, scores each criterion with a comment. The database aggregates the scores (weighted
mean, spread between members), ranks, and the decision records winners and prizes; results are
published.

Nothing here knows about programs: an application points at its subject through a generic
link, and what the commission should see of it comes from the subject's app (see
``calls.subjects``).
"""

from __future__ import annotations

from django.conf import settings
from django.contrib.contenttypes.fields import GenericForeignKey
from django.contrib.contenttypes.models import ContentType
from django.db import models
from django.db.models import F, Q
from django.urls import reverse
from django.utils.translation import gettext_lazy as _


class Call(models.Model):
    class Kind(models.TextChoices):
        COMPETITION = "competition", _("competition")
        SMALL_GRANTS = "small_grants", _("small-grant call")

    class Status(models.TextChoices):
        DRAFT = "draft", _("being prepared")
        OPEN = "open", _("open for applications")
        REVIEW = "review", _("commission reviewing")
        DECIDED = "decided", _("decided")
        PUBLISHED = "published", _("results published")

    kind = models.CharField(_("kind"), max_length=20, choices=Kind.choices, default=Kind.COMPETITION)
    title = models.CharField(_("title"), max_length=300)
    description = models.TextField(_("description"), blank=True)
    organiser = models.CharField(_("organiser"), max_length=300)
    # where the call is run from: who may configure it follows this territory
    territory = models.ForeignKey("territories.Territory", verbose_name=_("run at the level of"), on_delete=models.PROTECT, related_name="+")
    eligible = models.ManyToManyField("territories.Territory", verbose_name=_("eligible territories"), blank=True, related_name="+",
                                      help_text=_("Applicants must be in one of these territories (or below them)."))
    subject_type = models.CharField(_("applications link"), max_length=60, default="programs.program",
                                    help_text=_("What an application is made with, e.g. a development program."))
    opens = models.DateField(_("applications open"))
    closes = models.DateField(_("applications close"))
    review_until = models.DateField(_("commission scores until"))
    scale_min = models.PositiveSmallIntegerField(_("lowest score"), default=0)
    scale_max = models.PositiveSmallIntegerField(_("highest score"), default=5)
    prizes = models.TextField(_("prizes"), blank=True)
    status = models.CharField(_("status"), max_length=12, choices=Status.choices, default=Status.DRAFT, db_index=True)
    decision_note = models.TextField(_("decision"), blank=True)
    decided_at = models.DateTimeField(_("decided"), null=True, blank=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("created by"), null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    is_synthetic = models.BooleanField(_("synthetic demo data"), default=False)

    territory_field = "territory"
    audited = True

    class Meta:
        verbose_name = _("call")
        verbose_name_plural = _("calls and competitions")
        ordering = ["-opens", "-id"]
        constraints = [
            models.CheckConstraint(condition=Q(closes__gte=F("opens")), name="call_closes_after_opening"),
            models.CheckConstraint(condition=Q(review_until__gte=F("closes")), name="call_review_after_closing"),
            models.CheckConstraint(condition=Q(scale_max__gt=F("scale_min")), name="call_scale_ordered"),
        ]

    def __str__(self):
        return self.title

    def get_absolute_url(self):
        return reverse("calls:call", args=[self.pk])

    @classmethod
    def public_q(cls) -> Q:
        """Announced calls are public; drafts are not."""
        return ~Q(status=cls.Status.DRAFT)


class Criterion(models.Model):
    call = models.ForeignKey(Call, on_delete=models.CASCADE, related_name="criteria")
    order = models.PositiveSmallIntegerField(_("number"), default=1)
    title = models.CharField(_("criterion"), max_length=300)
    description = models.TextField(_("what the commission looks at"), blank=True)
    weight = models.DecimalField(_("weight"), max_digits=5, decimal_places=2, default=1)
    # the subject's own check that informs this criterion (e.g. an inclusion-profile check)
    evidence = models.CharField(_("evidence shown"), max_length=60, blank=True)

    territory_field = "call__territory"
    audited = True
    public_q = classmethod(lambda cls: ~Q(call__status=Call.Status.DRAFT))

    class Meta:
        verbose_name = _("criterion")
        verbose_name_plural = _("criteria")
        ordering = ["order", "id"]
        constraints = [models.CheckConstraint(condition=Q(weight__gt=0), name="criterion_weight_positive")]

    def __str__(self):
        return f"{self.order}. {self.title}"


class CommissionMember(models.Model):
    class Role(models.TextChoices):
        CHAIR = "chair", _("chair")
        MEMBER = "member", _("member")
        SECRETARY = "secretary", _("secretary (does not score)")

    call = models.ForeignKey(Call, on_delete=models.CASCADE, related_name="commission")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("person"), on_delete=models.PROTECT, related_name="commission_seats")
    role = models.CharField(_("role"), max_length=10, choices=Role.choices, default=Role.MEMBER)
    # where the member comes from; they may not score applicants from there
    home_territory = models.ForeignKey("territories.Territory", verbose_name=_("home municipality or organisation's place"), null=True, blank=True,
                                       on_delete=models.PROTECT, related_name="+")

    territory_field = "call__territory"
    audited = True

    class Meta:
        verbose_name = _("commission member")
        verbose_name_plural = _("commission")
        constraints = [models.UniqueConstraint(fields=["call", "user"], name="commission_member_unique")]

    def __str__(self):
        return str(self.user)


class Application(models.Model):
    class Status(models.TextChoices):
        DRAFT = "draft", _("draft")
        SUBMITTED = "submitted", _("submitted")
        WITHDRAWN = "withdrawn", _("withdrawn")
        INELIGIBLE = "ineligible", _("not admitted")

    class Result(models.TextChoices):
        NONE = "", _("no decision yet")
        WINNER = "winner", _("winner")
        PRIZE = "prize", _("incentive prize")
        NOT_AWARDED = "not_awarded", _("not awarded")

    call = models.ForeignKey(Call, on_delete=models.PROTECT, related_name="applications")
    territory = models.ForeignKey("territories.Territory", verbose_name=_("applicant"), on_delete=models.PROTECT, related_name="+")
    applicant_name = models.CharField(_("applicant's name"), max_length=300, blank=True)
    title = models.CharField(_("title"), max_length=300)
    summary = models.TextField(_("summary"), blank=True)
    subject_type = models.ForeignKey(ContentType, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    subject_id = models.PositiveIntegerField(null=True, blank=True)
    subject = GenericForeignKey("subject_type", "subject_id")
    status = models.CharField(_("status"), max_length=12, choices=Status.choices, default=Status.DRAFT, db_index=True)
    submitted_at = models.DateTimeField(_("submitted"), null=True, blank=True)
    submitted_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("submitted by"), null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    result = models.CharField(_("result"), max_length=12, choices=Result.choices, blank=True, default="")
    prize = models.CharField(_("prize"), max_length=300, blank=True)
    rank = models.PositiveSmallIntegerField(_("rank"), null=True, blank=True)
    created_at = models.DateTimeField(_("created"), auto_now_add=True)

    territory_field = "territory"
    audited = True

    class Meta:
        verbose_name = _("application")
        verbose_name_plural = _("applications")
        ordering = ["call", "rank", "id"]
        constraints = [models.UniqueConstraint(fields=["call", "territory", "subject_type", "subject_id"], name="application_once_per_subject")]

    def __str__(self):
        return self.title

    def get_absolute_url(self):
        return reverse("calls:application", args=[self.pk])

    @classmethod
    def public_q(cls) -> Q:
        """Once results are published, every admitted application and its result is public."""
        return Q(call__status=Call.Status.PUBLISHED, status=cls.Status.SUBMITTED)


class Attachment(models.Model):
    application = models.ForeignKey(Application, on_delete=models.CASCADE, related_name="attachments")
    title = models.CharField(_("title"), max_length=300)
    file = models.FileField(_("file"), upload_to="calls/attachments/%Y/")
    content_type = models.CharField(_("file type"), max_length=100, blank=True)
    size = models.PositiveIntegerField(_("size, bytes"), default=0)
    uploaded_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("uploaded by"), null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    uploaded_at = models.DateTimeField(_("uploaded"), auto_now_add=True)

    territory_field = "application__territory"
    audited = True

    class Meta:
        verbose_name = _("attachment")
        verbose_name_plural = _("attachments")


class Declaration(models.Model):
    """A commission member's declaration on one application, made before scoring it."""

    application = models.ForeignKey(Application, on_delete=models.CASCADE, related_name="declarations")
    member = models.ForeignKey(CommissionMember, on_delete=models.CASCADE, related_name="declarations")
    has_conflict = models.BooleanField(_("I have a conflict of interest"))
    note = models.TextField(_("explanation"), blank=True)
    declared_at = models.DateTimeField(_("declared"), auto_now_add=True)

    territory_field = "application__territory"
    audited = True

    class Meta:
        verbose_name = _("conflict-of-interest declaration")
        verbose_name_plural = _("conflict-of-interest declarations")
        constraints = [models.UniqueConstraint(fields=["application", "member"], name="declaration_once")]


class Score(models.Model):
    application = models.ForeignKey(Application, on_delete=models.CASCADE, related_name="scores")
    criterion = models.ForeignKey(Criterion, on_delete=models.CASCADE, related_name="scores")
    member = models.ForeignKey(CommissionMember, on_delete=models.CASCADE, related_name="scores")
    value = models.PositiveSmallIntegerField(_("score"))
    comment = models.TextField(_("comment"), blank=True)
    scored_at = models.DateTimeField(_("scored"), auto_now=True)

    territory_field = "application__territory"
    audited = True

    class Meta:
        verbose_name = _("score")
        verbose_name_plural = _("scores")
        constraints = [models.UniqueConstraint(fields=["application", "criterion", "member"], name="score_once")]
