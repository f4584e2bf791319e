"""Municipal socio-economic development programs (SEDP; ПСЭР; СЭӨП), in the users' words.

A program belongs to a city or aiyl aimak, covers a few years, and follows an *edition* of the
national methodology (2018, 2024). The edition's template (sections, profile tables, which
inclusion checks apply and their thresholds, whether a district review is a step) is data in
``catalogue/editions.json``, not code, so a 2028 methodology is a new file entry.

Content is structured, one model per part the methodology names (profile rows, problems,
SWOT, the "Dream" groups, priorities -> goals -> objectives, measures with their funding
lines, monitoring indicators with yearly targets, annexes), so that the inclusion profile, the
financing summary and the documents are computed by the database rather than read from text.

The process (working group -> ... -> council approval -> implementation -> annual reports ->
revision) is a list of steps in ``ProgramStep`` that is only ever appended to; every approved
text is frozen in a ``ProgramVersion``.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.urls import reverse
from django.utils.translation import gettext_lazy as _


class Group(models.TextChoices):
    """The social groups the brief asks a program to see; target groups of measures, the
    "Dream" groups, who a problem affects."""

    WOMEN = "women", _("women and girls")
    MEN = "men", _("men and boys")
    YOUTH = "youth", _("youth")
    CHILDREN = "children", _("children")
    ELDERLY = "elderly", _("elderly people")
    DISABILITY = "disability", _("persons with disabilities")
    MIGRANT_FAMILIES = "migrant_families", _("migrants' families and children left behind")
    RETURNEES = "returnees", _("returning migrants")
    LOW_INCOME = "low_income", _("low-income families")
    FEMALE_HEADED = "female_headed", _("female-headed households")
    MINORITIES = "minorities", _("ethnic minorities")
    EVERYONE = "everyone", _("all residents")


# the groups whose naming makes a measure, goal or analysis "inclusive"
INCLUSIVE_GROUPS = tuple(g for g in Group.values if g not in ("men", "everyone"))


class Sex(models.TextChoices):
    FEMALE = "f", _("woman")
    MALE = "m", _("man")


class AgeGroup(models.TextChoices):
    UNDER_18 = "under_18", _("under 18")
    YOUTH = "18_28", _("18–28 (youth)")
    ADULT = "29_59", _("29–59")
    ELDER = "60_plus", _("60 and over")


class FundingSource(models.TextChoices):
    LOCAL = "local_budget", _("local budget")
    REPUBLICAN = "republican_budget", _("republican budget")
    DONOR = "donor", _("donors and grants")
    PRIVATE = "private", _("private sector")
    COMMUNITY = "community", _("community contribution (ashar)")
    DIASPORA = "diaspora", _("diaspora (compatriots abroad)")
    OTHER = "other", _("other")


def template_label(labels, lang: str | None = None, fallback: str = "") -> str:
    """A label of an edition template ({ky, ru, en}) in ``lang`` (default: the current
    language), falling back to Russian, then any other."""
    from django.utils.translation import get_language

    if isinstance(labels, str):
        return labels
    if not labels:
        return fallback
    lang = (lang or get_language() or "ru")[:2]
    return labels.get(lang) or labels.get("ru") or labels.get("ky") or labels.get("en") or fallback


class Edition(models.Model):
    """A methodology edition; ``template`` is its data (see catalogue/editions.json)."""

    code = models.SlugField(_("code"), max_length=20, unique=True)
    name = models.CharField(_("name"), max_length=200)
    description = models.TextField(_("description"), blank=True)
    valid_from = models.DateField(_("in force from"))
    template = models.JSONField(_("template"), default=dict)
    is_active = models.BooleanField(_("in use for new programs"), default=True)

    territory_field = None  # national configuration
    audited = True

    class Meta:
        verbose_name = _("methodology edition")
        verbose_name_plural = _("methodology editions")
        ordering = ["valid_from"]

    def __str__(self):
        return self.name

    @property
    def requires_district_review(self) -> bool:
        return bool(self.template.get("district_review"))

    def section(self, code: str) -> dict | None:
        return next((s for s in self.template.get("sections", []) if s["code"] == code), None)

    def profile_table(self, code: str) -> dict | None:
        return next((t for t in self.template.get("profile_tables", []) if t["code"] == code), None)


class Stage(models.TextChoices):
    """Where a program is in its life; ``ProgramStep`` keeps how it got there."""

    WORKING_GROUP = "working_group", _("working group formed")
    DATA_COLLECTION = "data_collection", _("data collection")
    VILLAGE_MEETINGS = "village_meetings", _("village meetings")
    DRAFT = "draft", _("draft")
    DISTRICT_REVIEW = "district_review", _("district coordination review")
    HEARING = "hearing", _("public hearing")
    REVISION = "revision", _("revision after the hearing")
    APPROVED = "approved", _("approved by the council")
    IMPLEMENTATION = "implementation", _("being implemented")
    COMPLETED = "completed", _("completed")
    SUPERSEDED = "superseded", _("replaced by a revision or a new program")


PUBLISHED_STAGES = (Stage.APPROVED, Stage.IMPLEMENTATION, Stage.COMPLETED, Stage.SUPERSEDED)
# while a program is here its content may be edited (after approval only through a revision)
EDITABLE_STAGES = (Stage.WORKING_GROUP, Stage.DATA_COLLECTION, Stage.VILLAGE_MEETINGS, Stage.DRAFT,
                   Stage.DISTRICT_REVIEW, Stage.HEARING, Stage.REVISION)


class Strategy(models.TextChoices):
    NDS = "nds_2040", _("National Development Strategy 2018–2040")
    SDG = "sdg", _("Sustainable Development Goals")
    GENDER = "gender_strategy", _("National Gender Equality Strategy")
    DISABILITY = "crpd", _("Convention on the Rights of Persons with Disabilities")
    MIGRATION = "migration_policy", _("State migration policy")
    CLIMATE = "climate", _("National climate adaptation commitments")


class Program(models.Model):
    territory = models.ForeignKey("territories.Territory", verbose_name=_("municipality"), on_delete=models.PROTECT, related_name="programs")
    edition = models.ForeignKey(Edition, verbose_name=_("methodology edition"), on_delete=models.PROTECT, related_name="programs")
    title = models.CharField(_("title"), max_length=300)
    language = models.CharField(_("language of the text"), max_length=2, choices=[("ky", "Кыргызча"), ("ru", "Русский")], default="ru")
    start_year = models.PositiveSmallIntegerField(_("first year"))
    end_year = models.PositiveSmallIntegerField(_("last year"))
    stage = models.CharField(_("stage"), max_length=20, choices=Stage.choices, default=Stage.WORKING_GROUP, db_index=True)

    vision = models.TextField(_("vision statement"), blank=True)
    alignment = models.JSONField(_("aligned with"), default=list, blank=True, help_text=_("National strategies and commitments the program serves."))
    alignment_note = models.TextField(_("how it is aligned"), blank=True)

    working_group_order = models.CharField(_("order forming the working group (number)"), max_length=60, blank=True)
    working_group_order_date = models.DateField(_("date of the order"), null=True, blank=True)
    resolution_number = models.CharField(_("council resolution number"), max_length=60, blank=True)
    resolution_date = models.DateField(_("council resolution date"), null=True, blank=True)

    previous = models.ForeignKey("self", verbose_name=_("revises or follows"), null=True, blank=True, on_delete=models.PROTECT, related_name="successors")
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("created by"), null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    updated_at = models.DateTimeField(_("changed"), auto_now=True)
    is_synthetic = models.BooleanField(_("synthetic demo data"), default=False)

    territory_field = "territory"
    audited = True

    class Meta:
        verbose_name = _("development program")
        verbose_name_plural = _("development programs")
        ordering = ["-start_year", "territory__path"]
        constraints = [
            models.CheckConstraint(condition=Q(end_year__gte=F("start_year")), name="program_years_ordered"),
        ]

    def __str__(self):
        return self.title

    def get_absolute_url(self):
        return reverse("programs:program", args=[self.pk])

    @property
    def years(self) -> list[int]:
        return list(range(self.start_year, self.end_year + 1))

    @property
    def is_editable(self) -> bool:
        return self.stage in EDITABLE_STAGES

    @property
    def is_published(self) -> bool:
        return self.stage in PUBLISHED_STAGES

    @classmethod
    def public_q(cls) -> Q:
        """Approved programs are public documents."""
        return Q(stage__in=PUBLISHED_STAGES)


def _published(prefix: str):
    return classmethod(lambda cls: Q(**{f"{prefix}stage__in": PUBLISHED_STAGES}))


class ProfileRow(models.Model):
    """One row of a profile table of the edition ("population", "migration", ...): numbers by
    the table's columns (total, women, men, age groups...), as the template names them."""

    program = models.ForeignKey(Program, on_delete=models.CASCADE, related_name="profile_rows")
    table = models.CharField(_("table"), max_length=40)
    row = models.CharField(_("row"), max_length=60)
    label = models.CharField(_("label"), max_length=300, blank=True, help_text=_("For rows the municipality adds itself."))
    values = models.JSONField(_("figures"), default=dict, blank=True)
    note = models.CharField(_("source or note"), max_length=300, blank=True)
    order = models.PositiveSmallIntegerField(_("order"), default=0)

    territory_field = "program__territory"
    audited = True
    public_q = _published("program__")

    class Meta:
        verbose_name = _("profile row")
        verbose_name_plural = _("profile rows")
        ordering = ["table", "order", "id"]
        constraints = [models.UniqueConstraint(fields=["program", "table", "row"], name="profile_row_unique")]


class SectionText(models.Model):
    """The narrative of a section the edition asks for in words (situation analysis, climate
    adaptation, spatial planning...)."""

    program = models.ForeignKey(Program, on_delete=models.CASCADE, related_name="texts")
    section = models.CharField(_("section"), max_length=40)
    text = models.TextField(_("text"), blank=True)

    territory_field = "program__territory"
    audited = True
    public_q = _published("program__")

    class Meta:
        verbose_name = _("section text")
        verbose_name_plural = _("section texts")
        constraints = [models.UniqueConstraint(fields=["program", "section"], name="section_text_unique")]


class Problem(models.Model):
    class Source(models.TextChoices):
        VILLAGE_MEETING = "village_meeting", _("village meeting")
        SURVEY = "survey", _("survey")
        STATISTICS = "statistics", _("statistics")
        HEARING = "hearing", _("public hearing")
        OTHER = "other", _("other")

    program = models.ForeignKey(Program, on_delete=models.CASCADE, related_name="problems")
    rank = models.PositiveSmallIntegerField(_("rank"), default=1)
    title = models.CharField(_("problem"), max_length=300)
    description = models.TextField(_("description"), blank=True)
    source = models.CharField(_("found through"), max_length=20, choices=Source.choices, default=Source.VILLAGE_MEETING)
    groups = models.JSONField(_("groups most affected"), default=list, blank=True)
    effects_on_groups = models.TextField(_("how it affects different groups"), blank=True)

    territory_field = "program__territory"
    audited = True
    public_q = _published("program__")

    class Meta:
        verbose_name = _("problem")
        verbose_name_plural = _("problems")
        ordering = ["rank", "id"]


class SwotItem(models.Model):
    class Kind(models.TextChoices):
        STRENGTH = "S", _("strength")
        WEAKNESS = "W", _("weakness")
        OPPORTUNITY = "O", _("opportunity")
        THREAT = "T", _("threat")

    program = models.ForeignKey(Program, on_delete=models.CASCADE, related_name="swot")
    kind = models.CharField(_("kind"), max_length=1, choices=Kind.choices)
    text = models.CharField(_("text"), max_length=500)
    groups = models.JSONField(_("groups it concerns"), default=list, blank=True)
    order = models.PositiveSmallIntegerField(_("order"), default=0)

    territory_field = "program__territory"
    audited = True
    public_q = _published("program__")

    class Meta:
        verbose_name = _("SWOT item")
        verbose_name_plural = _("SWOT items")
        ordering = ["kind", "order", "id"]


class DreamGroup(models.TextChoices):
    WOMEN = "women", _("women")
    MEN = "men", _("men")
    YOUTH = "youth", _("youth")
    ELDERLY = "elderly", _("elderly people")
    DISABILITY = "disability", _("persons with disabilities")
    MIGRANT_FAMILIES = "migrant_families", _("migrants' families")
    MINORITIES = "minorities", _("ethnic minorities")


class Dream(models.Model):
    """One step of the "Dream" exercise: how a group sees the municipality in N years and the
    changes that needs; the vision statement is written from all of them."""

    program = models.ForeignKey(Program, on_delete=models.CASCADE, related_name="dreams")
    group = models.CharField(_("group"), max_length=20, choices=DreamGroup.choices)
    dream = models.TextField(_("how the group sees the municipality"), blank=True)
    changes = models.TextField(_("changes needed"), blank=True)

    territory_field = "program__territory"
    audited = True
    public_q = _published("program__")

    class Meta:
        verbose_name = _("“Dream” of a group")
        verbose_name_plural = _("“Dream” exercise")
        constraints = [models.UniqueConstraint(fields=["program", "group"], name="dream_group_unique")]


class Goal(models.Model):
    """Priorities -> goals -> objectives: one tree, the level says which."""

    class Level(models.TextChoices):
        PRIORITY = "priority", _("priority")
        GOAL = "goal", _("goal")
        OBJECTIVE = "objective", _("objective")

    program = models.ForeignKey(Program, on_delete=models.CASCADE, related_name="goals")
    parent = models.ForeignKey("self", verbose_name=_("under"), null=True, blank=True, on_delete=models.CASCADE, related_name="children")
    level = models.CharField(_("level"), max_length=10, choices=Level.choices)
    number = models.CharField(_("number"), max_length=12, blank=True)
    title = models.CharField(_("title"), max_length=500)
    groups = models.JSONField(_("groups it names"), default=list, blank=True)
    order = models.PositiveSmallIntegerField(_("order"), default=0)

    territory_field = "program__territory"
    audited = True
    public_q = _published("program__")

    class Meta:
        verbose_name = _("priority, goal or objective")
        verbose_name_plural = _("priorities, goals and objectives")
        ordering = ["order", "id"]

    def __str__(self):
        return f"{self.number} {self.title}".strip()


class Measure(models.Model):
    """One row of the action plan."""

    program = models.ForeignKey(Program, on_delete=models.CASCADE, related_name="measures")
    objective = models.ForeignKey(Goal, verbose_name=_("serves"), null=True, blank=True, on_delete=models.SET_NULL, related_name="measures")
    number = models.CharField(_("number"), max_length=12, blank=True)
    title = models.CharField(_("measure"), max_length=500)
    expected_result = models.TextField(_("expected result"), blank=True)
    indicator = models.CharField(_("indicator of the result"), max_length=300, blank=True)
    start_year = models.PositiveSmallIntegerField(_("from year"))
    start_quarter = models.PositiveSmallIntegerField(_("from quarter"), null=True, blank=True)
    end_year = models.PositiveSmallIntegerField(_("until year"))
    end_quarter = models.PositiveSmallIntegerField(_("until quarter"), null=True, blank=True)
    responsible = models.CharField(_("responsible"), max_length=300, blank=True)
    cost = models.DecimalField(_("cost, thousand som"), max_digits=14, decimal_places=1, default=0)
    target_groups = models.JSONField(_("target groups"), default=list, blank=True)
    order = models.PositiveSmallIntegerField(_("order"), default=0)

    territory_field = "program__territory"
    audited = True
    public_q = _published("program__")

    class Meta:
        verbose_name = _("measure")
        verbose_name_plural = _("action plan")
        ordering = ["order", "id"]
        constraints = [
            models.CheckConstraint(condition=Q(cost__gte=0), name="measure_cost_not_negative"),
            models.CheckConstraint(condition=Q(end_year__gte=F("start_year")), name="measure_years_ordered"),
        ]

    def __str__(self):
        return f"{self.number} {self.title}".strip()

    @property
    def is_inclusive(self) -> bool:
        return any(g in INCLUSIVE_GROUPS for g in self.target_groups or [])


class Funding(models.Model):
    """Part of a measure's cost: a year and a source. The lines add up to the measure's cost."""

    measure = models.ForeignKey(Measure, on_delete=models.CASCADE, related_name="funding")
    year = models.PositiveSmallIntegerField(_("year"))
    source = models.CharField(_("funding source"), max_length=20, choices=FundingSource.choices)
    amount = models.DecimalField(_("amount, thousand som"), max_digits=14, decimal_places=1)

    territory_field = "measure__program__territory"
    audited = True
    public_q = _published("measure__program__")

    class Meta:
        verbose_name = _("funding line")
        verbose_name_plural = _("funding lines")
        ordering = ["year", "source"]
        constraints = [
            models.CheckConstraint(condition=Q(amount__gte=0), name="funding_amount_not_negative"),
            models.UniqueConstraint(fields=["measure", "year", "source"], name="funding_line_unique"),
        ]


class ProgramIndicator(models.Model):
    """A row of the monitoring matrix; people-counting indicators carry women and men."""

    program = models.ForeignKey(Program, on_delete=models.CASCADE, related_name="indicators")
    goal = models.ForeignKey(Goal, verbose_name=_("measures progress of"), null=True, blank=True, on_delete=models.SET_NULL, related_name="indicators")
    measure = models.ForeignKey(Measure, verbose_name=_("measure"), null=True, blank=True, on_delete=models.SET_NULL, related_name="indicators")
    name = models.CharField(_("indicator"), max_length=300)
    unit = models.CharField(_("unit"), max_length=60, blank=True)
    counts_people = models.BooleanField(_("counts people"), default=False, help_text=_("Then baseline and targets are split into women and men."))
    baseline = models.DecimalField(_("baseline"), max_digits=14, decimal_places=2, null=True, blank=True)
    baseline_women = models.DecimalField(_("baseline, women"), max_digits=14, decimal_places=2, null=True, blank=True)
    baseline_men = models.DecimalField(_("baseline, men"), max_digits=14, decimal_places=2, null=True, blank=True)
    baseline_year = models.PositiveSmallIntegerField(_("baseline year"), null=True, blank=True)
    data_source = models.CharField(_("data source"), max_length=300, blank=True)
    responsible = models.CharField(_("responsible"), max_length=300, blank=True)
    order = models.PositiveSmallIntegerField(_("order"), default=0)

    territory_field = "program__territory"
    audited = True
    public_q = _published("program__")

    class Meta:
        verbose_name = _("program indicator")
        verbose_name_plural = _("monitoring matrix")
        ordering = ["order", "id"]

    def __str__(self):
        return self.name


class IndicatorTarget(models.Model):
    indicator = models.ForeignKey(ProgramIndicator, on_delete=models.CASCADE, related_name="targets")
    year = models.PositiveSmallIntegerField(_("year"))
    value = models.DecimalField(_("target"), max_digits=14, decimal_places=2, null=True, blank=True)
    women = models.DecimalField(_("target, women"), max_digits=14, decimal_places=2, null=True, blank=True)
    men = models.DecimalField(_("target, men"), max_digits=14, decimal_places=2, null=True, blank=True)

    territory_field = "indicator__program__territory"
    audited = True
    public_q = _published("indicator__program__")

    class Meta:
        verbose_name = _("yearly target")
        verbose_name_plural = _("yearly targets")
        ordering = ["year"]
        constraints = [models.UniqueConstraint(fields=["indicator", "year"], name="indicator_target_unique")]


class Annex(models.Model):
    class Kind(models.TextChoices):
        PROFILE = "profile", _("profile tables")
        HEARING_PROTOCOL = "hearing_protocol", _("hearing protocol")
        WORKING_GROUP_ORDER = "working_group_order", _("order forming the working group")
        PARTICIPANTS = "participants", _("participant lists")
        RESOLUTION = "resolution", _("scanned council resolution")
        PHOTO = "photo", _("photographs")
        OTHER = "other", _("other")

    program = models.ForeignKey(Program, on_delete=models.CASCADE, related_name="annexes")
    kind = models.CharField(_("kind"), max_length=24, choices=Kind.choices)
    title = models.CharField(_("title"), max_length=300)
    file = models.FileField(_("file"), upload_to="programs/annexes/%Y/")
    content_type = models.CharField(_("file type"), max_length=100, blank=True)
    size = models.PositiveIntegerField(_("size, bytes"), default=0)
    uploaded_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("uploaded by"), null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    uploaded_at = models.DateTimeField(_("uploaded"), auto_now_add=True)

    territory_field = "program__territory"
    audited = True
    public_q = _published("program__")

    class Meta:
        verbose_name = _("annex")
        verbose_name_plural = _("annexes")
        ordering = ["kind", "id"]


class WorkingGroupMember(models.Model):
    class Role(models.TextChoices):
        CHAIR = "chair", _("chair")
        DEPUTY = "deputy", _("deputy chair")
        SECRETARY = "secretary", _("secretary")
        MEMBER = "member", _("member")

    program = models.ForeignKey(Program, on_delete=models.CASCADE, related_name="working_group")
    name = models.CharField(_("name"), max_length=200)
    role = models.CharField(_("role"), max_length=10, choices=Role.choices, default=Role.MEMBER)
    position = models.CharField(_("position or organisation"), max_length=300, blank=True)
    sex = models.CharField(_("sex"), max_length=1, choices=Sex.choices)
    age_group = models.CharField(_("age group"), max_length=10, choices=AgeGroup.choices, blank=True)
    has_disability = models.BooleanField(_("person with a disability"), default=False)

    territory_field = "program__territory"
    audited = True

    class Meta:
        verbose_name = _("working group member")
        verbose_name_plural = _("working group")
        ordering = ["role", "name"]


class Meeting(models.Model):
    """A village meeting or a public hearing on the draft. A hearing has a public page where
    residents comment while it is open."""

    class Kind(models.TextChoices):
        VILLAGE_MEETING = "village_meeting", _("village meeting")
        HEARING = "hearing", _("public hearing")

    class Status(models.TextChoices):
        PLANNED = "planned", _("announced")
        OPEN = "open", _("open for comments")
        CLOSED = "closed", _("closed")

    program = models.ForeignKey(Program, on_delete=models.CASCADE, related_name="meetings")
    kind = models.CharField(_("kind"), max_length=20, choices=Kind.choices, default=Kind.HEARING)
    date = models.DateField(_("date"))
    time = models.TimeField(_("time"), null=True, blank=True)
    place = models.CharField(_("place"), max_length=300)
    village = models.ForeignKey("territories.Territory", verbose_name=_("village"), null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    announcement = models.TextField(_("announcement"), blank=True)
    comments_until = models.DateField(_("comments accepted until"), null=True, blank=True)
    status = models.CharField(_("status"), max_length=10, choices=Status.choices, default=Status.PLANNED)
    chair = models.CharField(_("chaired by"), max_length=200, blank=True)
    secretary = models.CharField(_("minutes taken by"), max_length=200, blank=True)
    decisions = models.TextField(_("decisions"), blank=True)
    created_at = models.DateTimeField(_("created"), auto_now_add=True)

    territory_field = "program__territory"
    audited = True

    class Meta:
        verbose_name = _("meeting or hearing")
        verbose_name_plural = _("meetings and hearings")
        ordering = ["-date", "-id"]

    def __str__(self):
        return f"{self.get_kind_display()} {self.date.isoformat()} — {self.place}"

    @classmethod
    def public_q(cls) -> Q:
        """Hearings are announced in public; village meetings are working material."""
        return Q(kind=cls.Kind.HEARING)

    def get_public_url(self):
        return reverse("programs:hearing_public", args=[self.pk])


class Attendance(models.Model):
    """How many came, by sex, age group and disability (one row per combination)."""

    meeting = models.ForeignKey(Meeting, on_delete=models.CASCADE, related_name="attendance")
    sex = models.CharField(_("sex"), max_length=1, choices=Sex.choices)
    age_group = models.CharField(_("age group"), max_length=10, choices=AgeGroup.choices)
    with_disability = models.BooleanField(_("with a disability"), default=False)
    count = models.PositiveIntegerField(_("people"), default=0)

    territory_field = "meeting__program__territory"
    audited = True

    class Meta:
        verbose_name = _("attendance")
        verbose_name_plural = _("attendance")
        constraints = [models.UniqueConstraint(fields=["meeting", "sex", "age_group", "with_disability"], name="attendance_cell_unique")]


class Comment(models.Model):
    """A resident's comment or proposal on a hearing's draft, and the municipality's answer."""

    class Channel(models.TextChoices):
        ONLINE = "online", _("online")
        PAPER = "paper", _("on paper or spoken, entered by staff")

    class Status(models.TextChoices):
        PENDING = "pending", _("waiting for moderation")
        PUBLISHED = "published", _("published")
        HIDDEN = "hidden", _("not published")

    class Answer(models.TextChoices):
        ACCEPTED = "accepted", _("accepted")
        PARTLY = "partly", _("partly accepted")
        REJECTED = "rejected", _("not accepted")

    meeting = models.ForeignKey(Meeting, verbose_name=_("hearing"), on_delete=models.CASCADE, related_name="comments")
    text = models.TextField(_("comment or proposal"))
    language = models.CharField(_("language"), max_length=2, default="ru")
    author_name = models.CharField(_("name"), max_length=200, blank=True)
    sex = models.CharField(_("sex"), max_length=1, choices=Sex.choices, blank=True)
    age_group = models.CharField(_("age group"), max_length=10, choices=AgeGroup.choices, blank=True)
    channel = models.CharField(_("received"), max_length=10, choices=Channel.choices, default=Channel.ONLINE)
    status = models.CharField(_("moderation"), max_length=10, choices=Status.choices, default=Status.PENDING, db_index=True)
    moderation_note = models.CharField(_("why not published"), max_length=300, blank=True)
    answer = models.CharField(_("answer"), max_length=10, choices=Answer.choices, blank=True)
    answer_reason = models.TextField(_("reason"), blank=True)
    change_made = models.TextField(_("what changed in the draft"), blank=True)
    changed_measure = models.ForeignKey(Measure, verbose_name=_("measure changed"), null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    changed_section = models.CharField(_("section changed"), max_length=40, blank=True)
    answered_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("answered by"), null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    answered_at = models.DateTimeField(_("answered"), null=True, blank=True)
    entered_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("entered by"), null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(_("received at"), auto_now_add=True)

    territory_field = "meeting__program__territory"
    audited = True

    class Meta:
        verbose_name = _("hearing comment")
        verbose_name_plural = _("hearing comments")
        ordering = ["created_at", "id"]

    @classmethod
    def public_q(cls) -> Q:
        """Published comments of hearings, with their answers: residents see what became of them."""
        return Q(status=cls.Status.PUBLISHED, meeting__kind=Meeting.Kind.HEARING)


class ProgramStep(models.Model):
    """The program's history as people read it: each step with its date, note and who recorded
    it. Only ever appended to (the audit trail keeps the field-level changes)."""

    class Step(models.TextChoices):
        CREATED = "created", _("program started")
        STAGE = "stage", _("moved to a new stage")
        DISTRICT_REVIEWED = "district_reviewed", _("district coordination review")
        HEARING_HELD = "hearing_held", _("public hearing held")
        APPROVED = "approved", _("approved by the council")
        ANNUAL_REPORT = "annual_report", _("annual monitoring report")
        REVISION = "revision", _("revision started")
        NOTE = "note", _("note")

    program = models.ForeignKey(Program, on_delete=models.CASCADE, related_name="steps")
    step = models.CharField(_("step"), max_length=20, choices=Step.choices)
    stage = models.CharField(_("stage after the step"), max_length=20, choices=Stage.choices)
    date = models.DateField(_("date"))
    note = models.TextField(_("note"), blank=True)
    annex = models.ForeignKey(Annex, verbose_name=_("document"), null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    actor = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("recorded by"), null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    recorded_at = models.DateTimeField(_("recorded"), auto_now_add=True)

    territory_field = "program__territory"
    public_q = _published("program__")

    class Meta:
        verbose_name = _("program step")
        verbose_name_plural = _("program history")
        ordering = ["date", "recorded_at", "id"]


class ProgramVersion(models.Model):
    """A frozen copy of the whole program (its structured content as JSON) at approval or at
    any moment staff choose; two versions can be compared."""

    program = models.ForeignKey(Program, on_delete=models.CASCADE, related_name="versions")
    number = models.PositiveSmallIntegerField(_("version"))
    label = models.CharField(_("label"), max_length=200, blank=True)
    stage = models.CharField(_("stage"), max_length=20, choices=Stage.choices)
    is_approved = models.BooleanField(_("approved text"), default=False)
    snapshot = models.JSONField(_("content"), default=dict)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("saved by"), null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(_("saved"), auto_now_add=True)

    territory_field = "program__territory"

    class Meta:
        verbose_name = _("program version")
        verbose_name_plural = _("program versions")
        ordering = ["number"]
        constraints = [models.UniqueConstraint(fields=["program", "number"], name="program_version_unique")]

    @classmethod
    def public_q(cls) -> Q:
        return Q(is_approved=True)


class AnnualReport(models.Model):
    """The yearly monitoring report to the council and the public."""

    class Status(models.TextChoices):
        DRAFT = "draft", _("draft")
        SUBMITTED = "submitted", _("presented to the council")

    program = models.ForeignKey(Program, on_delete=models.CASCADE, related_name="annual_reports")
    year = models.PositiveSmallIntegerField(_("year"))
    narrative = models.TextField(_("what was done and learnt"), blank=True)
    status = models.CharField(_("status"), max_length=10, choices=Status.choices, default=Status.DRAFT)
    submitted_at = models.DateTimeField(_("presented"), null=True, blank=True)
    submitted_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("presented by"), null=True, blank=True, on_delete=models.PROTECT, related_name="+")

    territory_field = "program__territory"
    audited = True

    class Meta:
        verbose_name = _("annual monitoring report")
        verbose_name_plural = _("annual monitoring reports")
        ordering = ["year"]
        constraints = [models.UniqueConstraint(fields=["program", "year"], name="annual_report_unique")]

    @classmethod
    def public_q(cls) -> Q:
        return Q(status=cls.Status.SUBMITTED)


class MeasureProgress(models.Model):
    class Status(models.TextChoices):
        NOT_STARTED = "not_started", _("not started")
        IN_PROGRESS = "in_progress", _("in progress")
        DONE = "done", _("done")
        POSTPONED = "postponed", _("postponed")
        CANCELLED = "cancelled", _("cancelled")

    report = models.ForeignKey(AnnualReport, on_delete=models.CASCADE, related_name="measures")
    measure = models.ForeignKey(Measure, on_delete=models.CASCADE, related_name="progress")
    status = models.CharField(_("status"), max_length=12, choices=Status.choices, default=Status.NOT_STARTED)
    spent = models.DecimalField(_("spent, thousand som"), max_digits=14, decimal_places=1, default=0)
    note = models.CharField(_("note"), max_length=500, blank=True)

    territory_field = "report__program__territory"
    audited = True

    class Meta:
        verbose_name = _("progress of a measure")
        verbose_name_plural = _("progress of measures")
        constraints = [
            models.UniqueConstraint(fields=["report", "measure"], name="measure_progress_unique"),
            models.CheckConstraint(condition=Q(spent__gte=0), name="measure_spent_not_negative"),
        ]


class IndicatorActual(models.Model):
    report = models.ForeignKey(AnnualReport, on_delete=models.CASCADE, related_name="actuals")
    indicator = models.ForeignKey(ProgramIndicator, on_delete=models.CASCADE, related_name="actuals")
    value = models.DecimalField(_("actual"), max_digits=14, decimal_places=2, null=True, blank=True)
    women = models.DecimalField(_("actual, women"), max_digits=14, decimal_places=2, null=True, blank=True)
    men = models.DecimalField(_("actual, men"), max_digits=14, decimal_places=2, null=True, blank=True)

    territory_field = "report__program__territory"
    audited = True

    class Meta:
        verbose_name = _("actual value")
        verbose_name_plural = _("actual values")
        constraints = [models.UniqueConstraint(fields=["report", "indicator"], name="indicator_actual_unique")]
