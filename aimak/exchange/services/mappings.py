"""Partners' own Kobo/ODK forms: a mapping says how to read them into an Aimak report.

Many partners already run their own forms, with their own question names, a village list of
their own and a date rather than a period. A ``FormMapping`` names, for one such form (by its
XForm id, Kobo's ``_xform_id_string``), the question giving the territory (a SOATE code, or a
choice name looked up in the mapping's table), how to find the period, and which question
feeds which indicator and category. The receivers (``services.odk``) keep every submission raw
as before; one that is not an Aimak form but has a mapping in use is read here into the same
``Delivery`` the Aimak forms give, so the same permissions, checks, audit trail and analysis
apply. Mappings are national configuration: changing them needs ``configure`` on the country.

A mapping may instead feed incident reports (``target`` "incident"): it has no reporting form
and no period; the territory question works as for reports, and each row names the incident
field a question gives (date, type, actors, counts, description...), with a table translating
the partner's choice names into Aimak's values where the field has a fixed set of them (the
type's code, ACLED's actor kind). The receivers then record an incident as for Aimak's own
incident form.

Also here: reading a form's definition (its XLSForm workbook, or the survey sheet pasted as
text) to list its questions, so the mapping page can offer them instead of having them typed."""

from __future__ import annotations

import csv
import io
import json
import re
import xml.etree.ElementTree as ET
from dataclasses import dataclass, field
from datetime import date

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from aimak.audit.services import log_security_event
from aimak.core import context, scoping
from aimak.monitoring import disaggregation, periods
from aimak.monitoring.models import FormIndicator, Indicator, ReportingForm
from aimak.territories.selectors import by_code

from .. import xlsform
from ..models import FormMapping, FormMappingRow, Submission
from ..selectors import mappings as selectors
from . import incident_fields
from .delivery import Delivery

COUNTRY_CODE = "41700000000000"
TOTAL = xlsform.TOTAL
PeriodRule = FormMapping.PeriodRule
Target = FormMapping.Target
MAX_QUESTIONS = 2000
MAX_CHOICES = 500
_DATE = re.compile(r"^\s*(\d{4}-\d{2}-\d{2})")


# --- permission ------------------------------------------------------------------------------


def can_configure(user) -> bool:
    """Mappings are national configuration: ``configure`` on the whole country."""
    if user is None or not getattr(user, "is_authenticated", False):
        return False
    return scoping.allowed_within(user, "configure", FormMapping, by_code(COUNTRY_CODE))


def require_configure(user) -> None:
    if not can_configure(user):
        log_security_event("permission_refused", user=user, detail={"action": "configure", "object": "exchange.formmapping"})
        raise PermissionDenied(_("Changing form mappings needs the right to configure the whole country."))


# --- the choice table as people type it ------------------------------------------------------


def _pairs(text: str, malformed: str, twice: str) -> tuple[dict[str, str], list[str]]:
    """``name = value`` lines (also tab, ";" or "," between them) as a dict, and a translated
    problem for each line that cannot be read (``malformed``/``twice`` name the line)."""
    table, problems = {}, []
    for number, line in enumerate((text or "").splitlines(), start=1):
        line = line.strip()
        if not line or line.startswith("#"):
            continue
        for separator in ("=", "\t", ";", ","):
            if separator in line:
                choice, _sep, value = line.partition(separator)
                break
        else:
            choice, value = line, ""
        choice, value = choice.strip(), value.strip()
        if not choice or not value:
            problems.append(malformed % {"line": number, "text": line[:80]})
        elif choice in table:
            problems.append(twice % {"line": number, "choice": choice})
        else:
            table[choice] = value
    return table, problems


def parse_choice_table(text: str) -> dict[str, str]:
    """``choice = SOATE`` lines as a dict; ValidationError on "territory_choices" naming the
    line that cannot be read."""
    table, problems = _pairs(
        text, _("Territory choices, line %(line)s (“%(text)s”): write the choice name, “=” and the SOATE code."),
        _("Territory choices, line %(line)s: the choice “%(choice)s” is given twice."))
    if problems:
        raise ValidationError({"territory_choices": problems})
    return table


def choice_table_text(table: dict) -> str:
    return "\n".join(f"{choice} = {code}" for choice, code in (table or {}).items())


def parse_value_table(text: str) -> tuple[dict[str, str], list[str]]:
    """A row's ``choice = Aimak value`` lines as a dict, and the lines that cannot be read (as
    translated problems saying the line)."""
    return _pairs(
        text, _("Choices, line %(line)s (“%(text)s”): write the partner's choice name, “=” and the Aimak value."),
        _("Choices, line %(line)s: the choice “%(choice)s” is given twice."))


# --- writing mappings --------------------------------------------------------------------------


FIELDS = ("name", "xform_id", "target", "form", "territory_question", "territory_choices", "period_question", "period_rule",
          "narrative_question", "sources_question", "is_active", "questions")


def create_mapping(user, data: dict, rows: list[dict]) -> FormMapping:
    """``data``: the fields of ``FIELDS`` (``target`` "report" by default; ``form`` as a
    ReportingForm or its code; ``territory_choices`` as {choice: SOATE}); ``rows``:
    [{"question", "indicator" (code), "category" ("" or "total" for the total)}] for a report,
    [{"question", "incident_field", "choices" ({partner choice: Aimak value} or its text)}]
    for incidents."""
    require_configure(user)
    return _save(user, None, data, rows)


def update_mapping(user, mapping: FormMapping, data: dict, rows: list[dict]) -> FormMapping:
    """The mapping becomes exactly ``data`` and ``rows`` (rows left out are removed)."""
    require_configure(user)
    return _save(user, mapping, data, rows)


def delete_mapping(user, mapping: FormMapping) -> None:
    """Submissions already read through the mapping keep their reports; later ones of that
    form are refused as an unknown form again."""
    require_configure(user)
    with transaction.atomic():
        mapping.delete()


@dataclass
class _Row:
    question: str
    indicator: Indicator | None
    category: str = ""
    incident_field: str = ""
    choices: dict = field(default_factory=dict)


def _text(value) -> str:
    return "" if value is None else str(value).strip()


def _save(user, mapping, data, rows) -> FormMapping:
    fields, clean_rows = _clean(mapping, data, rows)
    with transaction.atomic():
        if mapping is None:
            mapping = FormMapping(created_by=context.person(user))
        for name, value in fields.items():
            setattr(mapping, name, value)
        mapping.save()
        _save_rows(mapping, clean_rows)
    return mapping


def _save_rows(mapping: FormMapping, rows: list[_Row]) -> None:
    """Change only what changed, so the history shows the row that moved, not a rewrite."""
    existing = {row.question: row for row in mapping.rows.all()}
    wanted = {row.question for row in rows}
    for question, row in existing.items():
        if question not in wanted:
            row.delete()
    for order, row in enumerate(rows):
        current = existing.get(row.question)
        wanted_state = (row.indicator.pk if row.indicator else None, row.category, row.incident_field, row.choices, order)
        if current is None:
            FormMappingRow.objects.create(mapping=mapping, question=row.question, indicator=row.indicator, category=row.category,
                                          incident_field=row.incident_field, choices=row.choices, order=order)
        elif (current.indicator_id, current.category, current.incident_field, current.choices, current.order) != wanted_state:
            current.indicator, current.category, current.order = row.indicator, row.category, order
            current.incident_field, current.choices = row.incident_field, row.choices
            current.save()


def _clean(mapping, data: dict, rows: list[dict]) -> tuple[dict, list[_Row]]:
    """Every problem at once, each naming its field or row."""
    errors: dict[str, list[str]] = {}

    def add(key, message):
        errors.setdefault(key, []).append(message)

    fields = {}
    fields["name"] = _text(data.get("name"))[:200]
    if not fields["name"]:
        add("name", _("Give the mapping a name (for example the partner and the form)."))
    xform_id = _text(data.get("xform_id"))
    fields["xform_id"] = xform_id
    if not xform_id:
        add("xform_id", _("Give the form id on the Kobo/ODK server (Kobo's _xform_id_string)."))
    elif len(xform_id) > 120:
        add("xform_id", _("The form id is longer than 120 characters."))
    elif xlsform.form_code_of(xform_id) is not None:
        add("xform_id", _("“%(id)s” is a form Aimak generated: it needs no mapping.") % {"id": xform_id})
    elif FormMapping.objects.filter(xform_id=xform_id).exclude(pk=getattr(mapping, "pk", None)).exists():
        add("xform_id", _("Another mapping already reads the form “%(id)s”.") % {"id": xform_id})

    target = _text(data.get("target")) or Target.REPORT
    if target not in Target.values:
        add("target", _("Choose what the form feeds: periodic reports or incident reports."))
        target = Target.REPORT
    fields["target"] = target
    form = data.get("form")
    if target == Target.INCIDENT:
        form = None  # incidents belong to no reporting form
    elif not isinstance(form, ReportingForm):
        code = _text(form)
        form = ReportingForm.objects.filter(code=code).first() if code else None
        if form is None:
            add("form", _("Choose the Aimak reporting form the mapping feeds.") if not code
                else _("There is no reporting form with the code “%(code)s”.") % {"code": code})
    fields["form"] = form

    fields["territory_question"] = _text(data.get("territory_question"))[:200]
    if not fields["territory_question"]:
        add("territory_question", _("Give the territory question: the path of the question whose answer is the territory."))
    fields["territory_choices"] = _clean_choices(data.get("territory_choices"), add)

    rule = _text(data.get("period_rule")) or PeriodRule.DATE
    if rule not in PeriodRule.values:
        add("period_rule", _("Choose how the period is read."))
    fields["period_rule"] = rule
    fields["period_question"] = _text(data.get("period_question"))[:200]
    if target == Target.INCIDENT:
        fields["period_rule"], fields["period_question"] = PeriodRule.DATE, ""  # an incident has its own date (a row)
    elif not fields["period_question"] and rule in (PeriodRule.DATE, PeriodRule.CODE):
        add("period_question", _("Give the period question: the path of the question whose answer is the date or the period."))
    fields["narrative_question"] = _text(data.get("narrative_question"))[:200]
    fields["sources_question"] = _text(data.get("sources_question"))[:200]
    fields["is_active"] = bool(data.get("is_active", True))
    fields["questions"] = clean_questions(data.get("questions"))

    if target == Target.INCIDENT:
        clean_rows = _clean_incident_rows(rows, add, fields)
    else:
        clean_rows = _clean_rows(form, rows, add)
    if errors:
        raise ValidationError(errors)
    return fields, clean_rows


def _clean_choices(value, add) -> dict:
    if value in (None, ""):
        return {}
    if isinstance(value, str):
        try:
            value = parse_choice_table(value)
        except ValidationError as exc:
            for message in exc.message_dict["territory_choices"]:
                add("territory_choices", message)
            return {}
    if not isinstance(value, dict):
        add("territory_choices", _("The territory choices must be a table of choice names and SOATE codes."))
        return {}
    table = {}
    for choice, code in value.items():
        choice, code = _text(choice), _text(code)
        place = by_code(code) if code else None
        if place is None:
            add("territory_choices", _("Territory choices, “%(choice)s”: “%(code)s” is not the SOATE code of a territory.")
                % {"choice": choice, "code": code})
            continue
        table[choice] = place.code
    return table


def _clean_rows(form, rows, add) -> list[_Row]:
    """Rows as given; each problem says the row's number and question."""
    if not rows:
        add("rows", _("Map at least one question to an indicator."))
        return []
    on_form = {}
    if form is not None:
        on_form = {fi.indicator.code: fi for fi in FormIndicator.objects.filter(form=form).select_related("indicator")}
    codes = {_text(r.get("indicator")) for r in rows}
    known = {i.code: i for i in Indicator.objects.filter(code__in=codes)}
    seen_questions, seen_cells, clean = {}, {}, []
    for number, raw in enumerate(rows, start=1):
        key = f"row:{number - 1}"
        question = _text(raw.get("question"))
        code = _text(raw.get("indicator"))
        category = _text(raw.get("category"))
        category = "" if category.lower() in ("", TOTAL) else category
        where = {"row": number, "question": question or "?"}
        if not question:
            add(key, _("Row %(row)s: give the question path.") % where)
        elif len(question) > 200:
            add(key, _("Row %(row)s: the question path is longer than 200 characters.") % where)
        elif question in seen_questions:
            add(key, _("Row %(row)s: the question “%(question)s” is already mapped in row %(other)s.") % {**where, "other": seen_questions[question]})
        else:
            seen_questions[question] = number
        indicator = known.get(code)
        if not code and _text(raw.get("incident_field")):
            add(key, _("Row %(row)s (%(question)s): a report mapping feeds indicators; choose “incident reports” for the form to feed incident fields.") % where)
            continue
        if not code:
            add(key, _("Row %(row)s (%(question)s): choose the indicator.") % where)
            continue
        if indicator is None:
            add(key, _("Row %(row)s (%(question)s): there is no indicator with the code “%(code)s”.") % {**where, "code": code})
            continue
        if indicator.is_formula:
            add(key, _("Row %(row)s (%(question)s): “%(indicator)s” is computed from other indicators and is never entered.")
                % {**where, "indicator": indicator.name})
            continue
        if form is not None and code not in on_form:
            add(key, _("Row %(row)s (%(question)s): “%(indicator)s” is not on the form “%(form)s”.") % {**where, "indicator": indicator.name, "form": form.name})
            continue
        allowed = disaggregation.category_codes(indicator.disaggregation)
        if category and category not in allowed:
            options = ", ".join([TOTAL, *allowed])
            add(key, _("Row %(row)s (%(question)s): “%(category)s” is not a category of “%(indicator)s”; use one of: %(options)s.")
                % {**where, "category": category, "indicator": indicator.name, "options": options})
            continue
        cell = (code, category)
        if cell in seen_cells:
            add(key, _("Row %(row)s (%(question)s): %(cell)s is already fed by row %(other)s.")
                % {**where, "cell": _cell_label(indicator, category), "other": seen_cells[cell]})
            continue
        seen_cells[cell] = number
        clean.append(_Row(question, indicator, category))
    if form is not None and rows:
        missing = [fi.indicator.name for code, fi in on_form.items()
                   if fi.required and fi.indicator.is_active and not fi.indicator.is_formula and (code, "") not in seen_cells]
        if missing:
            add("rows", _("The form “%(form)s” requires the totals of: %(indicators)s. Map a question to each, or every submission will be refused.")
                % {"form": form.name, "indicators": ", ".join(str(m) for m in missing)})
    return clean


def _clean_incident_rows(rows, add, fields) -> list[_Row]:
    """Rows of an incident mapping: each names an incident field once; a choice table's values
    must be Aimak's (type codes, actor kinds, precisions, sensitivities); the date, the type
    and the description must come from somewhere."""
    if not rows:
        add("rows", _("Map at least the questions giving the date, the type and the description of the incident."))
        return []
    seen_questions, seen_fields, clean = {}, {}, []
    for number, raw in enumerate(rows, start=1):
        key = f"row:{number - 1}"
        question = _text(raw.get("question"))
        name = _text(raw.get("incident_field"))
        where = {"row": number, "question": question or "?"}
        if not question:
            add(key, _("Row %(row)s: give the question path.") % where)
        elif len(question) > 200:
            add(key, _("Row %(row)s: the question path is longer than 200 characters.") % where)
        elif question in seen_questions:
            add(key, _("Row %(row)s: the question “%(question)s” is already mapped in row %(other)s.") % {**where, "other": seen_questions[question]})
        else:
            seen_questions[question] = number
        if _text(raw.get("indicator")):
            add(key, _("Row %(row)s (%(question)s): an incident mapping feeds incident fields, not indicators.") % where)
            continue
        if not name:
            add(key, _("Row %(row)s (%(question)s): choose the incident field.") % where)
            continue
        if name not in incident_fields.FIELDS:
            add(key, _("Row %(row)s (%(question)s): “%(field)s” is not an incident field; use one of: %(options)s.")
                % {**where, "field": name, "options": ", ".join(incident_fields.FIELDS)})
            continue
        if name in seen_fields:
            add(key, _("Row %(row)s (%(question)s): the field “%(field)s” is already given by row %(other)s.")
                % {**where, "field": incident_fields.FIELDS[name], "other": seen_fields[name]})
            continue
        seen_fields[name] = number
        choices = raw.get("choices") or {}
        if isinstance(choices, str):
            choices, problems = parse_value_table(choices)
            for problem in problems:
                add(key, _("Row %(row)s (%(question)s): %(problem)s") % {**where, "problem": problem})
        if not isinstance(choices, dict):
            add(key, _("Row %(row)s (%(question)s): the choices must be a table of choice names and Aimak values.") % where)
            continue
        choices = {_text(k)[:120]: _text(v)[:120] for k, v in choices.items() if _text(k)}
        if choices and name not in incident_fields.CHOICE_FIELDS:
            add(key, _("Row %(row)s (%(question)s): only the type, the precisions, the actor kinds and the sensitivity take a table of choices.") % where)
            continue
        for choice, value in choices.items():
            problem = _choice_problem(name, value)
            if problem:
                add(key, _("Row %(row)s (%(question)s), choice “%(choice)s”: %(problem)s") % {**where, "choice": choice, "problem": problem})
        clean.append(_Row(question, None, incident_field=name, choices=choices))
    given = set(seen_fields)
    if "description" not in given and fields.get("narrative_question"):
        given.add("description")
    missing = [str(incident_fields.FIELDS[n]) for n in ("date", "incident_type", "description") if n not in given]
    if missing:
        add("rows", _("An incident needs these, but no question gives them: %(fields)s. Map a question to each, or every submission will be refused.")
            % {"fields": ", ".join(missing)})
    return clean


def _choice_problem(name: str, value: str) -> str:
    """Why ``value`` cannot be what a choice of field ``name`` means ("" when it can)."""
    try:
        incident_fields.parse({name: value})
    except ValidationError as exc:
        return " ".join(exc.message_dict.get(name, exc.messages))
    if name == "incident_type":
        kind = incident_fields.incident_type_of(value)
        if kind.parent_id is None and kind.subtypes.exists():
            return _("“%(type)s” has sub-types: choose one of them.") % {"type": kind}
    return ""


def _cell_label(indicator: Indicator, category: str) -> str:
    return f"{indicator.name} — {disaggregation.label(indicator.disaggregation, category)}"


def clean_questions(value) -> list[dict]:
    """The listed questions as stored: only the known keys, as text, at most ``MAX_QUESTIONS``."""
    if isinstance(value, str):
        try:
            value = json.loads(value) if value.strip() else []
        except ValueError:
            return []
    if not isinstance(value, list):
        return []
    out = []
    for item in value[:MAX_QUESTIONS]:
        if isinstance(item, dict) and _text(item.get("path")):
            out.append({"path": _text(item.get("path"))[:200], "type": _text(item.get("type"))[:40],
                        "label": _text(item.get("label"))[:300],
                        "choices": [_text(c)[:120] for c in (item.get("choices") or [])[:MAX_CHOICES] if _text(c)]})
    return out


# --- reading a submission through a mapping --------------------------------------------------


def answer(payload: dict, path: str):
    """The answer to ``path``: the exact key, else the one key whose last segment is the same
    question name (Kobo drops or renames groups when a form is redeployed). None if absent."""
    if not path:
        return None
    if path in payload:
        return payload[path]
    name = path.rsplit("/", 1)[-1]
    found = [k for k in payload if not k.startswith("_") and k.rsplit("/", 1)[-1] == name and not k.startswith("meta/")]
    return payload[found[0]] if len(found) == 1 else None


def answer_text(value) -> str:
    """A form answer as the text the reporting services read (yes/no as 1/0, lists as JSON)."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "1" if value else "0"
    if isinstance(value, (list, dict)):
        return json.dumps(value, ensure_ascii=False)
    return str(value).strip()


def _day(text: str) -> date | None:
    match = _DATE.match(text or "")
    if not match:
        return None
    try:
        return date.fromisoformat(match.group(1))
    except ValueError:
        return None


def _submitted_on(payload: dict, received: date | None) -> date:
    return _day(answer_text(payload.get("_submission_time"))) or received or scoping.today()


def _period(mapping: FormMapping, payload: dict, received: date | None) -> periods.PeriodSpan:
    form = mapping.form
    question = mapping.period_question
    text = answer_text(answer(payload, question)) if question else ""
    if mapping.period_rule == PeriodRule.PREVIOUS:
        if question and text:
            day = _day(text)
            if day is None:
                raise ValidationError({"period": _("The period question “%(question)s” gave “%(value)s”, which is not a date (write it as 2026-03-28).")
                                       % {"question": question, "value": text[:40]}})
        else:
            day = _submitted_on(payload, received)
        return periods.containing(form.period_type, day).shift(-1)
    if not text:
        raise ValidationError({"period": _("The submission has no answer to the period question “%(question)s”.") % {"question": question}})
    if mapping.period_rule == PeriodRule.DATE:
        day = _day(text)
        if day is None:
            raise ValidationError({"period": _("The period question “%(question)s” gave “%(value)s”, which is not a date (write it as 2026-03-28).")
                                   % {"question": question, "value": text[:40]}})
        return periods.containing(form.period_type, day)
    span = None
    try:
        span = periods.parse(text)
    except ValueError:
        from .dhis2 import period_from_iso

        try:
            span = period_from_iso(text)
        except ValueError:
            pass
    if span is None:
        raise ValidationError({"period": _("The period question “%(question)s” gave “%(value)s”, which is not a period (write it as 2026-03, 2026Q1, 2026 or 202603).")
                               % {"question": question, "value": text[:40]}})
    if span.type != form.period_type:
        raise ValidationError({"period": _("The form “%(form)s” is reported %(type)s; %(period)s is not such a period.")
                               % {"form": form, "type": dict(periods.PERIOD_TYPES)[form.period_type], "period": span.code}})
    return span


def _territory(mapping: FormMapping, payload: dict):
    question = mapping.territory_question
    text = answer_text(answer(payload, question))
    if not text:
        raise ValidationError({"territory": _("The submission has no answer to the territory question “%(question)s”.") % {"question": question}})
    table = mapping.territory_choices or {}
    code = table.get(text)
    if code is None:
        folded = {k.casefold(): v for k, v in table.items()}
        code = folded.get(text.casefold(), text)
    place = by_code(code) if code.isdigit() or code.upper().startswith("KG") else None
    if place is None:
        raise ValidationError({"territory": _("The territory question “%(question)s” gave “%(value)s”: neither a choice in the mapping's table nor the SOATE code of a territory.")
                               % {"question": question, "value": text[:60]}})
    return place


class _Found:
    form = None
    territory = None
    span = None


def apply(mapping: FormMapping, payload: dict, *, received: date | None = None, found=None) -> Delivery:
    """A partner's submission (``payload``: question paths -> answers, as Kobo posts it) read
    through ``mapping`` into a Delivery. ValidationError keyed "territory" or "period" names
    the question that gave a wrong answer; the values themselves are checked by
    ``deliver``. ``received``: the date it arrived, for "the period before the submission date"
    when the payload has no ``_submission_time``. ``found`` (optional) gets form, territory
    and span as they are read, so a refusal can still say where it belonged."""
    found = found if found is not None else _Found()
    found.form = mapping.form
    found.territory = _territory(mapping, payload)
    found.span = _period(mapping, payload, received)
    values = {}
    for row in selectors.rows_of(mapping):
        if row.indicator is None:
            continue
        text = answer_text(answer(payload, row.question))
        if text != "":
            values[(row.indicator.code, row.category)] = text

    def optional(question):
        if not question:
            return None
        return answer_text(answer(payload, question))

    return Delivery(mapping.form, found.territory, found.span.start, values,
                    narrative=optional(mapping.narrative_question), sources=optional(mapping.sources_question))


def _translated(row, text: str) -> str:
    """An answer through the row's choice table (exact, then ignoring case); as it is when the
    table does not list it (it may be the Aimak value itself)."""
    if not row.choices or not text:
        return text
    if text in row.choices:
        return row.choices[text]
    folded = {k.casefold(): v for k, v in row.choices.items()}
    return folded.get(text.casefold(), text)


def incident_data(mapping: FormMapping, payload: dict, found=None) -> dict:
    """A partner's submission read through an incident mapping into what ``record_incident``
    takes. ValidationError keyed by incident field ("territory" for the territory question)
    names what cannot be read; the meaning is checked by the incident service."""
    found = found if found is not None else _Found()
    errors = {}
    try:
        found.territory = _territory(mapping, payload)
    except ValidationError as exc:
        errors.update(exc.message_dict)
    texts = {}
    for row in selectors.rows_of(mapping):
        if row.incident_field:
            texts[row.incident_field] = _translated(row, answer_text(answer(payload, row.question)))
    if "description" not in texts and mapping.narrative_question:
        texts["description"] = answer_text(answer(payload, mapping.narrative_question))
    if "sources" not in texts and mapping.sources_question:
        texts["sources"] = answer_text(answer(payload, mapping.sources_question))
    try:
        data = incident_fields.parse(texts, territory=found.territory)
    except ValidationError as exc:
        errors.update(exc.message_dict)
    if errors:
        raise ValidationError(errors)
    return data


def payload_of(submission: Submission) -> dict:
    """The stored delivery as question paths -> answers: Kobo JSON as it is, an OpenRosa
    instance flattened to the same "group/question" paths (``meta`` kept as ``meta/...``)."""
    text = submission.payload or ""
    if submission.content_type.startswith("application/json") or text.lstrip().startswith("{"):
        try:
            record = json.loads(text)
        except ValueError:
            return {}
        return record if isinstance(record, dict) else {}
    try:
        root = ET.fromstring(text)
    except ET.ParseError:
        return {}
    flat = {}

    def walk(element, prefix):
        for child in element:
            name = child.tag.rsplit("}", 1)[-1]
            path = f"{prefix}{name}"
            if len(child):
                walk(child, path + "/")
            else:
                flat[path] = (child.text or "").strip()

    walk(root, "")
    return flat


def is_aimak_form(parsed) -> bool:
    return bool(parsed.answers.get(xlsform.FORM_FIELD) or xlsform.form_code_of(parsed.form_id))


def partner_mapping(parsed) -> FormMapping | None:
    """The mapping in use for a partner's form; None for Aimak's own forms and unmapped ones."""
    if is_aimak_form(parsed):
        return None
    return selectors.active_mapping_for(parsed.form_id)


def delivery_for(submission: Submission, parsed, found) -> Delivery | None:
    """The receivers' hook: a partner's form with a mapping in use is read through it; None
    for Aimak's own forms and for forms nobody mapped (refused as an unknown form, as before),
    and for incident mappings (``incident_data`` reads those)."""
    mapping = partner_mapping(parsed)
    if mapping is None or mapping.target != Target.REPORT:
        return None
    received = timezone.localdate(submission.received_at) if submission.received_at else None
    return apply(mapping, payload_of(submission), received=received, found=found)


# --- a form's definition: its questions ------------------------------------------------------


class DefinitionError(ValueError):
    """A form definition that cannot be read (the reason is translated)."""


@dataclass
class Definition:
    questions: list[dict] = field(default_factory=list)  # [{"path", "name", "type", "label", "choices"}]
    form_id: str = ""
    title: str = ""
    in_repeats: int = 0  # questions inside repeat groups: one submission has several answers, not mappable


_GROUP_TYPES = {"begin group": "group", "begin_group": "group", "begin repeat": "repeat", "begin_repeat": "repeat"}
_END_TYPES = {"end group", "end_group", "end repeat", "end_repeat"}
_NO_ANSWER = {"note"}


def read_definition(data: bytes | str) -> Definition:
    """The questions of a Kobo/XLSForm definition: an .xlsx workbook (bytes), or the survey
    sheet copied from a spreadsheet and pasted as text (tab- or comma-separated, the header row
    first). Each question gets its path as Kobo names it in submissions ("group/question")."""
    if isinstance(data, bytes) and data[:2] == b"PK":
        sheets = _xlsx_sheets(data)
    else:
        text = data.decode("utf-8-sig", errors="replace") if isinstance(data, bytes) else (data or "")
        sheets = {"survey": _pasted_rows(text)}
    survey = sheets.get("survey")
    if not survey:
        raise DefinitionError(_("The form definition has no survey sheet (the sheet listing the questions)."))
    header = [_text(h).lower() for h in survey[0]]
    if "type" not in header or "name" not in header:
        raise DefinitionError(_("The survey sheet's first row must name the columns, with at least “type” and “name”."))
    label_at = _label_column(header)
    choices = _choice_lists(sheets.get("choices") or [])
    definition = Definition()
    settings = sheets.get("settings") or []
    if len(settings) >= 2:
        names = [_text(h).lower() for h in settings[0]]
        values = list(settings[1]) + [""] * len(names)
        definition.form_id = _text(values[names.index("form_id")]) if "form_id" in names else ""
        definition.title = _text(values[names.index("form_title")]) if "form_title" in names else ""
    stack: list[tuple[str, str]] = []
    type_at, name_at = header.index("type"), header.index("name")
    for row in survey[1:]:
        cells = list(row) + [""] * (len(header) - len(row))
        kind = " ".join(_text(cells[type_at]).split())
        name = _text(cells[name_at])
        low = kind.lower()
        if not kind:
            continue
        if low in _GROUP_TYPES:
            stack.append((_GROUP_TYPES[low], name))
            continue
        if low in _END_TYPES:
            if stack:
                stack.pop()
            continue
        base = low.split(" ", 1)[0]
        if not name or base in _NO_ANSWER:
            continue
        if any(k == "repeat" for k, _n in stack):
            definition.in_repeats += 1
            continue
        path = "/".join([g for _k, g in stack if g] + [name])
        list_name = kind.split(" ", 1)[1].split(" ", 1)[0] if base in ("select_one", "select_multiple") and " " in kind else ""
        definition.questions.append({
            "path": path, "name": name, "type": base,
            "label": _text(cells[label_at]) if label_at is not None else "",
            "choices": choices.get(list_name, [])[:MAX_CHOICES],
        })
        if len(definition.questions) >= MAX_QUESTIONS:
            break
    if not definition.questions:
        raise DefinitionError(_("The survey sheet has no questions."))
    return definition


def _xlsx_sheets(data: bytes) -> dict[str, list[list]]:
    from aimak.core.imports import SourceError, xlsx_sheets

    try:
        sheets = xlsx_sheets(data, max_rows=MAX_QUESTIONS * 3)
    except SourceError as exc:
        raise DefinitionError(str(exc)) from None
    return {title: [["" if v is None else v for v in row] for row in rows] for title, rows in sheets.items()}


def _pasted_rows(text: str) -> list[list[str]]:
    lines = [line for line in text.splitlines() if line.strip()]
    if not lines:
        return []
    delimiter = "\t" if "\t" in lines[0] else ("," if "," in lines[0] else ";")
    return [row for row in csv.reader(io.StringIO("\n".join(lines)), delimiter=delimiter)]


def _label_column(header: list[str]) -> int | None:
    """The label in the reader's language when the form has it, else the first label."""
    language = (translation.get_language() or "ky")[:2]
    labels = [i for i, h in enumerate(header) if h == "label" or h.startswith("label::")]
    for i in labels:
        if f"({language})" in header[i] or header[i].endswith(f"::{language}"):
            return i
    return labels[0] if labels else None


def _choice_lists(rows: list[list]) -> dict[str, list[str]]:
    if not rows:
        return {}
    header = [_text(h).lower() for h in rows[0]]
    list_at = header.index("list_name") if "list_name" in header else (header.index("list name") if "list name" in header else None)
    if list_at is None or "name" not in header:
        return {}
    name_at = header.index("name")
    found: dict[str, list[str]] = {}
    for row in rows[1:]:
        cells = list(row) + [""] * len(header)
        list_name, name = _text(cells[list_at]), _text(cells[name_at])
        if list_name and name:
            found.setdefault(list_name, []).append(name)
    return found


def questions_by_path(mapping_or_questions) -> dict[str, dict]:
    questions = mapping_or_questions.questions if isinstance(mapping_or_questions, FormMapping) else mapping_or_questions
    return {q["path"]: q for q in questions or []}
