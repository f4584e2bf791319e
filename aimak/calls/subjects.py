"""What applications are made with: the only module of the calls engine that knows the apps
whose objects an application links (a development program now, a grant proposal later).

Each kind is registered under the value of ``Call.subject_type`` ("app_label.model") with:
what an applicant may link (``choices``), how it is named and reached (``label``, ``url``),
whose it is (``territory``), and what the commission should see of it while scoring
(``evidence``: the subject's own checks by code, e.g. a program's inclusion profile). Criteria
name the checks they draw on in ``Criterion.evidence`` (codes separated by commas).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Callable

from django.apps import apps
from django.contrib.contenttypes.models import ContentType
from django.db.models import QuerySet
from django.urls import NoReverseMatch, reverse
from django.utils.translation import gettext_lazy as _


@dataclass(frozen=True)
class SubjectKind:
    key: str  # "app_label.model", the value of Call.subject_type
    noun: Any  # what the applicant links, in the users' words ("development program")
    choices: Callable[[Any, Any], QuerySet]  # (user, applicant territory) -> what they may link
    label: Callable[[Any], str]
    url: Callable[[Any], str | None]
    territory: Callable[[Any], Any]  # whose it is: the applicant must be its owner
    evidence: Callable[[Any], dict]  # {check code: check} shown beside the criteria
    evidence_codes: list[tuple[str, Any]] = field(default_factory=list)  # the codes a criterion may name

    @property
    def model(self):
        return apps.get_model(self.key)

    def content_type(self) -> ContentType:
        return ContentType.objects.get_for_model(self.model)


REGISTRY: dict[str, SubjectKind] = {}


def register(kind: SubjectKind) -> SubjectKind:
    REGISTRY[kind.key] = kind
    return kind


def kind(key: str) -> SubjectKind | None:
    return REGISTRY.get(key)


def kind_choices() -> list[tuple[str, Any]]:
    return [(k.key, k.noun) for k in REGISTRY.values()]


def of(application) -> Any | None:
    """The object an application links (None when none is linked yet)."""
    if not application.subject_type_id or not application.subject_id:
        return None
    return application.subject


def evidence_for(application) -> dict:
    """The subject's checks by code, or nothing when the subject or its checks are unavailable."""
    subject = of(application)
    registered = kind(application.call.subject_type)
    if subject is None or registered is None:
        return {}
    return registered.evidence(subject)


def codes(evidence: str) -> list[str]:
    return [c.strip() for c in (evidence or "").split(",") if c.strip()]


# --- development programs ---------------------------------------------------------------------

PROGRAM_CHECKS = [
    ("disaggregated_profile", _("profile data split by sex and age")),
    ("vulnerable_groups", _("profile of vulnerable groups")),
    ("migration_profile", _("migration in the profile")),
    ("participation", _("participation of women, youth and persons with disabilities")),
    ("analysis_names_groups", _("problem analysis and SWOT name the groups affected")),
    ("vision_names_inclusion", _("vision and goals name inclusion")),
    ("inclusive_measures", _("inclusive measures")),
    ("inclusive_budget_share", _("share of the budget for inclusive measures")),
    ("disaggregated_indicators", _("indicators split by sex with baselines and targets")),
    ("migration_measures", _("measures for migrants' families and returnees")),
    ("alignment", _("alignment with national commitments and the SDGs")),
]


def _program_choices(user, territory) -> QuerySet:
    from aimak.core import scoping
    from aimak.programs.models import Program

    if territory is None:
        return Program.objects.none()
    return scoping.restrict(Program.objects.filter(territory=territory), user, "view").order_by("-start_year", "title")


def _program_url(program) -> str | None:
    try:
        return reverse("programs:program", args=[program.pk])
    except NoReverseMatch:
        return None


def _program_evidence(program) -> dict:
    """The program's inclusion profile by check code; empty while that selector is missing."""
    try:
        from aimak.programs.selectors.inclusion import profile
    except ImportError:
        return {}
    return {check.code: check for check in profile(program)}


register(SubjectKind(
    key="programs.program",
    noun=_("development program"),
    choices=_program_choices,
    label=str,
    url=_program_url,
    territory=lambda program: program.territory,
    evidence=_program_evidence,
    evidence_codes=PROGRAM_CHECKS,
))


# The nine criteria of the brief (sedp.md, "Competitions"), each with the profile checks that
# inform it; a new call starts with them and its organiser edits them.
DEFAULT_CRITERIA = {
    "programs.program": [
        (_("Sex- and age-disaggregated data and a profile of vulnerable groups"),
         _("The profile splits counts of people by sex and age and describes vulnerable groups."),
         "disaggregated_profile,vulnerable_groups"),
        (_("Participation of women, youth and persons with disabilities in preparing the program"),
         _("Who took part in the working group, village meetings and hearings."),
         "participation"),
        (_("Gender and inclusion analysis in the problem analysis and SWOT"),
         _("The problems and the SWOT name the effects on different groups."),
         "analysis_names_groups"),
        (_("A vision and goals that name inclusion"),
         _("The vision statement and the goals name the groups the program serves."),
         "vision_names_inclusion"),
        (_("Concrete inclusive measures with responsible, timeline, cost and source"),
         _("Measures targeting women, youth, persons with disabilities, migrants' families and minorities, each fully planned."),
         "inclusive_measures"),
        (_("Disaggregated indicators with baselines and targets"),
         _("Indicators split by sex, with a baseline and yearly targets."),
         "disaggregated_indicators"),
        (_("The share of the program budget for inclusive measures"),
         _("How much of the program's cost goes to inclusive measures."),
         "inclusive_budget_share"),
        (_("Alignment with national gender and disability commitments and the SDGs"),
         _("The program names the national strategies and commitments it serves."),
         "alignment"),
        (_("Overall quality and coherence of the document"),
         _("Whether the parts of the program hold together: problems, goals, measures, budget and indicators."),
         ""),
    ],
}
