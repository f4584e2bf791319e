"""XLSForm workbooks that monitors load into KoboCollect / ODK Collect, and the XForm that
pyxform makes of them.

A workbook is built in two halves: a generic ``Workbook`` (survey/choices/settings rows in three
languages, the xlsx writer and the pyxform conversion), and what a kind of form puts into it
(``reporting_workbook`` for periodic reports, ``incident_workbook`` for incident reports). The
names of the questions say which Aimak cell they feed, so the receivers need no mapping for
forms Aimak generated: ``v__<indicator code>__<category or "total">`` (indicator codes are
slugs, category codes never contain a double underscore, so the name splits back on the last
``__``). ``territory``, ``period``, ``narrative`` and ``sources`` keep their names, and a
hidden ``aimak_form`` says which form it is even after Kobo renames the form id. The incident
form's questions are named after the incident's fields (``date``, ``actor1_kind``...), and its
``aimak_form`` is ``incident`` (a code no reporting form may take)."""

from __future__ import annotations

import hashlib
import io
import json
import re
from dataclasses import dataclass, field
from datetime import date

from django.db.models import Q
from django.utils import formats, translation
from django.utils.translation import gettext as _

from aimak.core import scoping
from aimak.monitoring import disaggregation, periods
from aimak.monitoring.models import Indicator, Report, ReportingForm
from aimak.monitoring.selectors import forms as form_selectors
from aimak.monitoring.services.reporting import PART_TYPES, form_items

LANGUAGES = [("ky", "Кыргызча (ky)"), ("ru", "Русский (ru)"), ("en", "English (en)")]
DEFAULT_LANGUAGE = LANGUAGES[0][1]
FORM_ID_PREFIX = "aimak-"
VALUE_PREFIX = "v__"
TOTAL = "total"
FORM_FIELD = "aimak_form"  # hidden: the Aimak form code, whatever id the server gives the form
RECENT_PERIODS = 6
SOATE_PATTERN = "^417[0-9]{11}$"
PERIOD_PATTERNS = {
    periods.MONTHLY: "^[0-9]{4}-(0[1-9]|1[0-2])$",
    periods.QUARTERLY: "^[0-9]{4}Q[1-4]$",
    periods.YEARLY: "^[0-9]{4}$",
}
TRANSLATED = ("label", "hint", "constraint_message", "required_message")
SURVEY_COLUMNS = ["type", "name", "label", "hint", "required", "required_message", "relevant", "constraint",
                  "constraint_message", "calculation", "appearance", "default", "choice_filter"]
_NAME = re.compile(r"^v__(?P<code>.+)__(?P<category>[A-Za-z0-9_]+?)$")


# --- names -----------------------------------------------------------------------------------


def question_name(code: str, category: str) -> str:
    return f"{VALUE_PREFIX}{code}__{category or TOTAL}"


def cell_of(name: str) -> tuple[str, str] | None:
    """(indicator code, category) a question name feeds, "" for the total; None for other
    questions. The category is what follows the last double underscore."""
    if not name.startswith(VALUE_PREFIX):
        return None
    code, sep, category = name[len(VALUE_PREFIX):].rpartition("__")
    if not sep or not code or not category:
        return None
    return code, "" if category == TOTAL else category


def form_id(form: ReportingForm) -> str:
    return form_id_of_code(form.code)


def form_id_of_code(code: str) -> str:
    return f"{FORM_ID_PREFIX}{code}"


def form_code_of(xform_id: str) -> str | None:
    return xform_id[len(FORM_ID_PREFIX):] if xform_id and xform_id.startswith(FORM_ID_PREFIX) else None


# --- the generic workbook ----------------------------------------------------------------------


def in_languages(make) -> dict[str, str]:
    """``{"label::Кыргызча (ky)": ..., ...}``: ``make()`` evaluated in each language."""
    out = {}
    for code, _name in LANGUAGES:
        with translation.override(code):
            out[code] = str(make())
    return out


@dataclass
class Workbook:
    form_id: str
    title: str
    survey: list[dict] = field(default_factory=list)
    choices: list[dict] = field(default_factory=list)
    settings: dict = field(default_factory=dict)

    def question(self, type_: str, name: str, **columns):
        """One survey row; translated columns are given as {language code: text}."""
        self.survey.append({"type": type_, "name": name, **columns})

    def choice(self, list_name: str, name: str, label: dict, **columns):
        """One choice; extra ``columns`` (e.g. ``parent`` for a cascading select) become columns
        of the choices sheet that a ``choice_filter`` can test."""
        self.choices.append({"list_name": list_name, "name": name, "label": label, **columns})

    @property
    def version(self) -> str:
        """A hash of the content: the same definition gives the same version, any change
        (an indicator's definition, a new period to choose) a new one."""
        blob = json.dumps([self.form_id, self.title, self.survey, self.choices, self.settings], sort_keys=True, ensure_ascii=False, default=str)
        return hashlib.sha1(blob.encode()).hexdigest()[:10]

    def _table(self, rows: list[dict], columns: list[str]) -> tuple[list[str], list[list]]:
        used = [c for c in columns if any(row.get(c) for row in rows)]
        header = []
        for column in used:
            header += [f"{column}::{name}" for _c, name in LANGUAGES] if column in TRANSLATED else [column]
        body = []
        for row in rows:
            line = []
            for column in used:
                value = row.get(column)
                if column in TRANSLATED:
                    line += [(value or {}).get(code, "") for code, _n in LANGUAGES]
                else:
                    line.append("" if value is None else value)
            body.append(line)
        return header, body

    def sheets(self) -> dict[str, tuple[list[str], list[list]]]:
        settings = {"form_title": self.title, "form_id": self.form_id, "version": self.version,
                    "default_language": DEFAULT_LANGUAGE, **self.settings}
        return {
            "survey": self._table(self.survey, SURVEY_COLUMNS),
            "choices": self._table(self.choices, ["list_name", "name", "label",
                                                  *sorted({k for c in self.choices for k in c} - {"list_name", "name", "label"})]),
            "settings": (list(settings), [list(settings.values())]),
        }

    def to_xlsx(self) -> bytes:
        from openpyxl import Workbook as XLSX
        from openpyxl.styles import Font

        book = XLSX()
        book.remove(book.active)
        for title, (header, body) in self.sheets().items():
            sheet = book.create_sheet(title)
            sheet.append(header)
            for cell in sheet[1]:
                cell.font = Font(bold=True)
            for line in body:
                sheet.append(line)
            sheet.freeze_panes = "A2"
            for column in sheet.columns:
                sheet.column_dimensions[column[0].column_letter].width = min(60, max(10, *(len(str(c.value or "")) for c in column[:50])))
        buffer = io.BytesIO()
        book.save(buffer)
        return buffer.getvalue()

    def to_xform(self, warnings: list | None = None) -> str:
        """The XForm ODK Collect downloads, made by pyxform (the converter ODK and Kobo use)
        from the very workbook people download."""
        from pyxform.xls2xform import convert

        return convert(xlsform=io.BytesIO(self.to_xlsx()), warnings=warnings if warnings is not None else [], file_type=".xlsx").xform


# --- what a reporting form puts in it -----------------------------------------------------------


def territory_choices(form: ReportingForm, user):
    """Territories that report ``form`` and where ``user`` may start reports."""
    qs = form_selectors.expected_territories(form)
    if not (user.is_authenticated and user.is_active and user.is_superuser):
        condition = Q(pk__in=[])
        for path in scoping.grants(user, "create", Report):
            condition |= Q(path__startswith=path)
        qs = qs.filter(condition)
    return qs.order_by("path")


def open_periods(form: ReportingForm, today: date, count: int = RECENT_PERIODS) -> list[periods.PeriodSpan]:
    """The recent periods a monitor may still report, newest first (begun, not before the
    form's first period, not closed)."""
    span = periods.containing(form.period_type, today)
    first = periods.containing(form.period_type, form.first_period).start
    closed = set(form.closures.values_list("period_start", flat=True))
    found = []
    for step in range(count):
        candidate = span.shift(-step)
        if candidate.start < first:
            break
        if candidate.start not in closed:
            found.append(candidate)
    return found


def _period_label(span: periods.PeriodSpan) -> str:
    if span.type == periods.MONTHLY:
        return f"{span.code} · {formats.date_format(span.start, 'YEAR_MONTH_FORMAT')}"
    return span.code


def _number(value) -> str:
    return format(value.normalize(), "f")


def _bounds(indicator: Indicator) -> tuple:
    T = Indicator.ValueType
    low, high = {T.COUNT: (0, None), T.SCALE: (1, 5), T.PERCENTAGE: (0, 100)}.get(indicator.value_type, (None, None))
    if indicator.min_value is not None:
        low = indicator.min_value if low is None else max(low, indicator.min_value)
    if indicator.max_value is not None:
        high = indicator.max_value if high is None else min(high, indicator.max_value)
    return low, high


def _range_text(low, high):
    if low is not None and high is not None:
        return lambda: _("Enter a value from %(min)s to %(max)s.") % {"min": _number_any(low), "max": _number_any(high)}
    if low is not None:
        return lambda: _("Enter a value of at least %(min)s.") % {"min": _number_any(low)}
    return lambda: _("Enter a value of at most %(max)s.") % {"max": _number_any(high)}


def _number_any(value) -> str:
    return _number(value) if hasattr(value, "normalize") else str(value)


def _value_question(book: Workbook, indicator: Indicator, category: str, *, required: bool, parts: list[str]):
    """One value cell as a question: its type, bounds and, for an "of which" part, that it
    does not exceed the total (the last part also checks the sum)."""
    T = Indicator.ValueType
    name = question_name(indicator.code, category)
    total_ref = "${%s}" % question_name(indicator.code, "")
    kind = indicator.value_type

    def label():
        text = str(indicator.name)
        if indicator.unit and kind not in (T.YES_NO, T.SCALE):
            text = f"{text} ({indicator.unit})"
        if category:
            return _("%(indicator)s — of which: %(part)s") % {"indicator": text, "part": disaggregation.label(indicator.disaggregation, category)}
        if parts:
            return _("%(indicator)s — total") % {"indicator": text}
        return text

    row = {"label": in_languages(label)}
    if any(in_languages(lambda: indicator.definition).values()):
        row["hint"] = in_languages(lambda: indicator.definition)
    if required:
        row["required"] = "yes"
        row["required_message"] = in_languages(lambda: _("The total is required."))
    if kind == T.YES_NO:
        book.question("select_one yes_no", name, **row)
        return
    conditions, messages = [], []
    low, high = _bounds(indicator)
    if low is not None:
        conditions.append(f". >= {_number_any(low)}")
    if high is not None:
        conditions.append(f". <= {_number_any(high)}")
    if low is not None or high is not None:
        messages.append(_range_text(low, high))
    if category and kind in PART_TYPES:
        row["relevant"] = f"{total_ref} > 0"
        conditions.append(f". <= {total_ref}")
        messages.append(lambda: _("A part cannot be more than the total."))
        if category == parts[-1]:
            others = " + ".join(f"coalesce(${{{question_name(indicator.code, c)}}}, 0)" for c in parts[:-1])
            conditions.append(f"({others} + .) <= {total_ref}" if others else f". <= {total_ref}")
            messages.append(lambda: _("The parts together cannot be more than the total."))
    if conditions:
        row["constraint"] = " and ".join(dict.fromkeys(conditions))
        row["constraint_message"] = in_languages(lambda: " ".join(str(m()) for m in messages))
    book.question("integer" if kind in (T.COUNT, T.SCALE) else "decimal", name, **row)


def territory_question(book: Workbook, places: list, label: dict) -> None:
    """The territory: a list of the person's territories, or (a superuser's national form) the
    SOATE code typed and checked on the phone."""
    if places:
        book.question("select_one territories", "territory", label=label, required="yes",
                      appearance="minimal" if len(places) > 30 else "")
        for place in places:
            book.choice("territories", place.code, in_languages(lambda: f"{place.name} ({place.code})"))
    else:
        book.question("text", "territory", label=in_languages(lambda: _("Territory (14-digit SOATE code)")), required="yes",
                      constraint=f"regex(., '{SOATE_PATTERN}')",
                      constraint_message=in_languages(lambda: _("Write the 14-digit SOATE code of the territory, e.g. 41702210815000.")))


def reporting_workbook(form: ReportingForm, user, *, today: date | None = None, period_as_text: bool = False) -> Workbook:
    """The XLSForm of a reporting form for ``user``: their territories that report it, the
    recent open periods (or a period typed as its code), a group of questions per domain."""
    today = today or scoping.today()
    with translation.override(LANGUAGES[0][0]):
        title = str(form.name)
    book = Workbook(form_id=form_id(form), title=title)
    book.settings["instance_name"] = "concat(${territory}, ' ', ${period})"

    territory_question(book, list(territory_choices(form, user)), in_languages(lambda: _("Territory")))

    spans = [] if period_as_text else open_periods(form, today)
    if spans:
        book.question("select_one periods", "period", label=in_languages(lambda: _("Period")), required="yes")
        for span in spans:
            book.choice("periods", span.code, in_languages(lambda: _period_label(span)))
    else:
        example = periods.last_complete(form.period_type, today).code
        book.question("text", "period", label=in_languages(lambda: _("Period")), required="yes",
                      hint=in_languages(lambda: _("Write the period as %(example)s.") % {"example": example}),
                      constraint=f"regex(., '{PERIOD_PATTERNS[form.period_type]}')",
                      constraint_message=in_languages(lambda: _("Write the period as %(example)s.") % {"example": example}))

    by_domain: dict = {}
    for item in form_items(form):
        if item.indicator.is_formula or not item.indicator.is_active:
            continue
        by_domain.setdefault(item.indicator.domain, []).append(item)
    for domain in sorted(by_domain, key=lambda d: (d.order, d.code)):
        book.question("begin_group", f"g__{domain.code}", label=in_languages(lambda: domain.name))
        for item in by_domain[domain]:
            parts = disaggregation.category_codes(item.indicator.disaggregation)
            _value_question(book, item.indicator, "", required=item.required, parts=parts)
            for category in parts:
                _value_question(book, item.indicator, category, required=False, parts=parts)
        book.question("end_group", "")
    book.question("text", "narrative", label=in_languages(lambda: _("What happened this period (narrative)")), appearance="multiline")
    book.question("text", "sources", label=in_languages(lambda: _("Sources")), appearance="multiline")
    book.question("calculate", FORM_FIELD, calculation=f"'{form.code}'")
    for name, text in (("yes", lambda: _("yes")), ("no", lambda: _("no"))):
        book.choice("yes_no", name, in_languages(text))
    return book


# --- the incident form ------------------------------------------------------------------------

INCIDENT_CODE = "incident"  # the hidden aimak_form answer and the form id's tail (aimak-incident)


def is_incident_form(code: str | None) -> bool:
    return code == INCIDENT_CODE


def incident_territories(user):
    """Where ``user`` may record incidents: the rayons and municipalities of the incident page
    (the village is a question of its own)."""
    from aimak.incidents.selectors.incidents import territories_for_recording

    return territories_for_recording(user)


def incident_form_ready() -> bool:
    """The incident form needs incident types to choose from (``load_incident_types``)."""
    from aimak.incidents.selectors.incidents import incident_types

    return incident_types().exists()


def may_report_incidents(user) -> bool:
    from aimak.incidents.selectors.incidents import may_record

    return bool(user.is_authenticated and user.is_active) and may_record(user)


def incident_title() -> str:
    with translation.override(LANGUAGES[0][0]):
        return str(_("Incident report"))


def _count_question(book: Workbook, name: str, label, *, total: str = "", required: bool = False):
    """A whole-number question bounded as ``incidents.services.incidents.check`` bounds it; a
    women's part is asked only after a total above zero and may not exceed it."""
    from aimak.incidents.services.incidents import MAX_COUNT

    row = {"label": in_languages(label), "constraint": f". >= 0 and . <= {MAX_COUNT}",
           "constraint_message": in_languages(lambda: _("Enter a whole number from 0 to %(max)s.") % {"max": f"{MAX_COUNT:,}"})}
    if required:
        row.update(required="yes", default="0")
    if total:
        row["relevant"] = "${%s} > 0" % total
        row["constraint"] = ". >= 0 and . <= ${%s}" % total
        row["constraint_message"] = in_languages(lambda: _("A part cannot be more than the total."))
    book.question("integer", name, **row)


def incident_workbook(user, *, today: date | None = None) -> Workbook:
    """The XLSForm of the incident report for ``user``: the territories where they may record
    incidents, type then sub-type (a cascading select), date and place with ACLED's
    precisions, actors with ACLED's kinds, casualties, description, sources and sensitivity.
    Its checks are those of ``incidents.services.incidents.check``, so a phone refuses what
    Aimak would refuse."""
    from aimak.incidents.models import ActorKind, Incident, Precision
    from aimak.incidents.selectors.incidents import incident_types
    from aimak.incidents.services.incidents import LATITUDE, LONGITUDE

    book = Workbook(form_id=form_id_of_code(INCIDENT_CODE), title=incident_title())
    book.settings["instance_name"] = "concat(${date}, ' ', ${incident_subtype}, ' ', ${territory})"

    territory_question(book, list(incident_territories(user)), in_languages(lambda: _("Territory where it happened")))
    book.question("text", "village", label=in_languages(lambda: _("Village or place")))

    book.question("date", "date", label=in_languages(lambda: _("Date of the incident")), required="yes",
                  hint=in_languages(lambda: _("If only the week or the month is known, give its first day and say so below.")),
                  constraint=". <= today() and . >= date('1991-01-01')",
                  constraint_message=in_languages(lambda: _("The date cannot be in the future or before 1991.")))
    book.question("select_one precision", "date_precision", label=in_languages(lambda: _("How exactly is the date known?")),
                  required="yes", default=str(Precision.EXACT))

    kinds = list(incident_types())
    if not kinds:
        raise ValueError("no incident types: load them first (load_incident_types)")
    with_subtypes = {k.parent_id for k in kinds if k.parent_id}
    book.question("select_one incident_types", "incident_type", label=in_languages(lambda: _("Type of incident")), required="yes")
    book.question("select_one incident_subtypes", "incident_subtype", label=in_languages(lambda: _("Sub-type")), required="yes",
                  choice_filter="parent=${incident_type}")
    for kind in kinds:
        if kind.parent_id is None:
            book.choice("incident_types", kind.code, in_languages(lambda: kind.name))
            if kind.pk not in with_subtypes:  # a type without sub-types is its own only sub-type
                book.choice("incident_subtypes", kind.code, in_languages(lambda: kind.name), parent=kind.code)
    for kind in kinds:
        if kind.parent_id is not None and kind.parent.is_active:
            book.choice("incident_subtypes", kind.code, in_languages(lambda: kind.name), parent=kind.parent.code)

    inside = (f"selected-at(., 0) >= {LATITUDE[0]} and selected-at(., 0) <= {LATITUDE[1]} and "
              f"selected-at(., 1) >= {LONGITUDE[0]} and selected-at(., 1) <= {LONGITUDE[1]}")
    book.question("geopoint", "location", label=in_languages(lambda: _("Location (optional)")),
                  hint=in_languages(lambda: _("Record the point only where the incident happened.")),
                  constraint=inside,
                  constraint_message=in_languages(lambda: _("The point is outside Kyrgyzstan.")))
    book.question("select_one precision", "geo_precision", label=in_languages(lambda: _("How exactly is the place known?")),
                  required="yes", default=str(Precision.EXACT))

    book.question("begin_group", "actors", label=in_languages(lambda: _("Who was involved")))
    for number in ("1", "2"):
        actor = f"actor{number}"
        book.question("text", actor, label=in_languages(lambda: _("First actor") if number == "1" else _("Second actor")),
                      hint=in_languages(lambda: _("A group or an institution, e.g. “Residents of Kok-Tash”, “Police”.")))
        book.question("select_one actor_kinds", f"{actor}_kind", label=in_languages(lambda: _("Kind of actor")),
                      relevant="${%s} != ''" % actor)
        book.question("text", f"assoc_actor{number}", label=in_languages(lambda: _("Together with (other actors on the same side)")),
                      relevant="${%s} != ''" % actor)
    book.question("text", "groups", label=in_languages(lambda: _("Groups involved (communities, ethnic or other groups)")))
    book.question("end_group", "")

    book.question("begin_group", "casualties", label=in_languages(lambda: _("People and harm")))
    _count_question(book, "participants", lambda: _("Number of participants (if known)"))
    _count_question(book, "injured", lambda: _("Injured"), required=True)
    _count_question(book, "injured_women", lambda: _("of which women"), total="injured")
    _count_question(book, "killed", lambda: _("Killed"), required=True)
    _count_question(book, "killed_women", lambda: _("of which women"), total="killed")
    _count_question(book, "displaced_households", lambda: _("Households displaced"), required=True)
    book.question("end_group", "")

    book.question("text", "description", label=in_languages(lambda: _("What happened")), required="yes", appearance="multiline",
                  required_message=in_languages(lambda: _("Describe what happened.")))
    book.question("text", "sources", label=in_languages(lambda: _("Sources")), appearance="multiline")
    book.question("select_one sensitivity", "sensitivity", label=in_languages(lambda: _("Sensitivity")), required="yes",
                  default=Incident.Sensitivity.PUBLIC,
                  hint=in_languages(lambda: _("Restricted: only those allowed to read restricted incidents in the territory (coordinators, analysts) will see it, not the other monitors.")))
    book.question("calculate", FORM_FIELD, calculation=f"'{INCIDENT_CODE}'")

    for value, label in Precision.choices:
        book.choice("precision", str(value), in_languages(lambda: label))
    for value, label in ActorKind.choices:
        book.choice("actor_kinds", str(value), in_languages(lambda: f"{value} · {label}"))
    for value, label in Incident.Sensitivity.choices:
        book.choice("sensitivity", value, in_languages(lambda: label))
    return book
