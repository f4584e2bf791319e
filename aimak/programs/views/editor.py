"""The program editor: one page per section of the edition's template, every row a small form
saved as staff type (HTMX posts on change; without JavaScript the same forms post and come back
to the section), the inclusion profile beside it, and the XLSX template and import of the action
plan and the monitoring matrix. Thin: reads from ``selectors.editor``/``selectors.inclusion``,
writes through ``services.content``/``services.plan_import``/``services.annexes``."""

from __future__ import annotations

import base64
import hashlib

from django.contrib import messages
from django.contrib.auth.mixins import LoginRequiredMixin
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpResponse, HttpResponseRedirect
from django.shortcuts import render
from django.template.loader import render_to_string
from django.urls import path, reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views import View

from ..forms import content as forms
from ..models import (
    Annex,
    DreamGroup,
    FundingSource,
    Goal,
    Group,
    Measure,
    Problem,
    ProgramIndicator,
    Strategy,
    SwotItem,
)
from ..selectors import editor as selectors
from ..selectors import inclusion
from ..services import annexes as annex_services
from ..services import content as services
from ..services import plan_import

QUARTERS = (1, 2, 3, 4)


def _errors(exc: ValidationError) -> dict:
    if hasattr(exc, "error_dict"):
        return exc.message_dict
    return {"all": list(exc.messages)}


def _section_of(program, part: str) -> dict:
    found = next((s for s in program.edition.template.get("sections", []) if s.get("part") == part), None)
    if found is None:
        raise Http404
    return found


def choices(program) -> dict:
    """The fixed choice lists the rows offer (no queries)."""
    return {
        "groups": Group.choices, "funding_sources": FundingSource.choices, "years": program.years, "quarters": QUARTERS,
        "strategies": Strategy.choices, "problem_sources": Problem.Source.choices, "levels": Goal.Level.choices,
        "swot_kinds": SwotItem.Kind.choices, "annex_kinds": Annex.Kind.choices,
    }


def inclusion_context(program) -> dict:
    checks = inclusion.profile(program)
    return {"checks": checks, "inclusion_summary": inclusion.summary(program, checks)}


def section_context(request, program, section: dict, *, failed=None, annex_form=None) -> dict:
    part = section["part"]
    context = {
        "program": program, "section": {**section, "title": services.label_of(section.get("title"), section["code"])},
        "sections": selectors.sections(program), "can_edit": selectors.can_edit(request.user, program),
        **choices(program), **inclusion_context(program),
    }
    if part == "approval":
        context["approval"] = selectors.make_row("approval", program, forms.approval_initial(program), failed)
    elif part == "profile":
        context["tables"] = selectors.profile_tables(program, section, failed)
    elif part == "analysis":
        context["problems"] = selectors.problems(program, failed)
        context["swot"] = selectors.swot(program, failed)
    elif part == "text":
        item = program.texts.filter(section=section["code"]).first()
        context["text"] = selectors.make_row(f"text-{section['code']}", item, {"text": item.text if item else ""}, failed)
    elif part == "vision":
        context["dreams"] = selectors.dreams(program, failed)
        context["vision"] = selectors.make_row("vision", program, {"vision": program.vision}, failed)
    elif part == "goals":
        context["goals"] = selectors.goals(program, failed)
    elif part == "measures":
        context["measures"] = selectors.measures(program, failed)
    elif part == "financing":
        context["financing"] = selectors.financing(program)
    elif part == "indicators":
        context["indicators"] = selectors.indicators(program, failed)
    elif part == "annexes":
        context["annexes"] = list(program.annexes.all())
        context["annex_form"] = annex_form or forms.AnnexForm()
        context["annex_rules"] = annex_services.rules(program)
    return context


class SectionView(View):
    """One section of the program, editable while the program is written and the user may edit."""

    def get(self, request, pk, code):
        program = selectors.program_for(request.user, pk)
        section = program.edition.section(code)
        if section is None:
            raise Http404
        return render(request, "programs/editor/section.html", section_context(request, program, section))


class InclusionView(View):
    """The whole inclusion profile (a page; the panel alone for HTMX)."""

    def get(self, request, pk):
        program = selectors.program_for(request.user, pk)
        context = {"program": program, "sections": selectors.sections(program), **inclusion_context(program)}
        if request.htmx:
            return render(request, "programs/editor/_inclusion_panel.html", context)
        return render(request, "programs/editor/inclusion.html", context)


# --- saving: one class per kind of row -----------------------------------------------------------------------

class Editing(LoginRequiredMixin, View):
    """POST a row; HTMX gets the row back with its errors and "saved" status swapped in place
    (the inputs being typed in are left alone) and the inclusion panel refreshed; a plain post
    is redirected back to the row, or shown the section again with the reasons when refused."""

    http_method_names = ["post"]
    part = ""
    template = ""

    def section(self, program, **kwargs) -> dict:
        return _section_of(program, self.part)

    def reply(self, request, program, section, key, *, failed=None, build, structural=False):
        if request.htmx:
            row = build(failed)
            context = {"program": program, "can_edit": True, "r": row, "oob": not structural,
                       "saved_at": None if failed else timezone.localtime(), **choices(program), **self.extra(program)}
            html = render_to_string(self.template, context, request)
            html += render_to_string("programs/editor/_inclusion_panel.html", {"program": program, "oob": True, **inclusion_context(program)}, request)
            response = HttpResponse(html)
            if structural:
                response["HX-Retarget"] = f"#{row.key}"
                response["HX-Reswap"] = "outerHTML"
            else:
                response["HX-Reswap"] = "none"
            return response
        if failed:
            context = section_context(request, program, section, failed=failed)
            return render(request, "programs/editor/section.html", context, status=400)
        messages.success(request, _("Saved."))
        return HttpResponseRedirect(reverse("programs:section", args=[program.pk, section["code"]]) + f"#{key}")

    def extra(self, program) -> dict:
        return {}


class ApprovalEdit(Editing):
    part, template = "approval", "programs/editor/_approval_form.html"

    def post(self, request, pk):
        program = selectors.program_for(request.user, pk)
        posted = forms.approval_posted(request.POST)
        failed = None
        try:
            services.save_approval(request.user, program, **posted)
        except ValidationError as exc:
            failed = {"key": "approval", "values": posted, "errors": _errors(exc)}
        return self.reply(request, program, self.section(program), "approval", failed=failed,
                          build=lambda f: selectors.make_row("approval", program, forms.approval_initial(program), f))


class ProfileRowEdit(Editing):
    part, template = "profile", "programs/editor/_profile_row.html"

    def post(self, request, pk, table, row):
        program = selectors.program_for(request.user, pk)
        try:
            spec = services.profile_table(program, table)
        except ValidationError:
            raise Http404 from None
        posted = forms.profile_posted(request.POST, spec)
        key = f"profile-{table}-{row}"
        failed = None
        try:
            services.save_profile_row(request.user, program, table=table, row=row, values=posted["values"], note=posted["note"],
                                      label=posted["label"])
        except ValidationError as exc:
            failed = {"key": key, "values": posted, "errors": _errors(exc)}
        section = next(s for s in program.edition.template["sections"] if table in s.get("tables", []))

        def build(f):
            self._table = selectors.profile_tables(program, {"tables": [table]}, f)[0]
            return next((r for r in self._table["rows"] if r.key == key), selectors.Row(key=key))

        return self.reply(request, program, section, key, failed=failed, build=build)

    def extra(self, program):
        return {"table": getattr(self, "_table", None)}


class ProfileRowAdd(Editing):
    """Add or remove a row the municipality names itself (a village, a facility)."""

    template = "programs/editor/_profile_table.html"

    def post(self, request, pk, table, row=None):
        program = selectors.program_for(request.user, pk)
        try:
            services.profile_table(program, table)
        except ValidationError:
            raise Http404 from None
        section = next(s for s in program.edition.template["sections"] if table in s.get("tables", []))
        failed = None
        try:
            if row is None:
                services.add_profile_row(request.user, program, table=table, label=request.POST.get("label", ""))
            else:
                services.remove_profile_row(request.user, program, table=table, row=row)
        except ValidationError as exc:
            key = f"new-profile-{table}" if row is None else f"profile-{table}-{row}"
            failed = {"key": key, "values": {"label": request.POST.get("label", ""), "values": {}, "note": ""}, "errors": _errors(exc)}
            if not request.htmx:
                return render(request, "programs/editor/section.html", section_context(request, program, section, failed=failed), status=400)
        if request.htmx:
            found = selectors.profile_tables(program, {"tables": [table]}, failed)[0]
            context = {"program": program, "can_edit": True, "table": found, **choices(program)}
            html = render_to_string(self.template, context, request)
            html += render_to_string("programs/editor/_inclusion_panel.html", {"program": program, "oob": True, **inclusion_context(program)}, request)
            return HttpResponse(html)
        messages.success(request, _("Saved."))
        return HttpResponseRedirect(reverse("programs:section", args=[program.pk, section["code"]]) + f"#table-{table}")


class TextEdit(Editing):
    template = "programs/editor/_text_form.html"

    def post(self, request, pk, code):
        program = selectors.program_for(request.user, pk)
        section = program.edition.section(code)
        if section is None or section.get("part") != "text":
            raise Http404
        key, text = f"text-{code}", request.POST.get("text", "")
        failed = None
        try:
            services.save_text(request.user, program, section=code, text=text)
        except ValidationError as exc:
            failed = {"key": key, "values": {"text": text}, "errors": _errors(exc)}
        self._code = code
        return self.reply(request, program, section, key, failed=failed,
                          build=lambda f: selectors.make_row(key, None, {"text": text}, f))

    def extra(self, program):
        return {"section": {"code": self._code}}


class DreamEdit(Editing):
    part, template = "vision", "programs/editor/_dream_row.html"

    def post(self, request, pk, group):
        program = selectors.program_for(request.user, pk)
        if group not in DreamGroup.values:
            raise Http404
        posted = forms.dream_posted(request.POST)
        key = f"dream-{group}"
        failed = None
        try:
            services.save_dream(request.user, program, group=group, **posted)
        except ValidationError as exc:
            failed = {"key": key, "values": posted, "errors": _errors(exc)}

        def build(f):
            return next(r for r in selectors.dreams(program, f) if r.key == key)

        return self.reply(request, program, self.section(program), key, failed=failed, build=build)


class VisionEdit(Editing):
    part, template = "vision", "programs/editor/_vision_form.html"

    def post(self, request, pk):
        program = selectors.program_for(request.user, pk)
        vision = request.POST.get("vision", "")
        failed = None
        try:
            services.save_vision(request.user, program, vision=vision)
        except ValidationError as exc:
            failed = {"key": "vision", "values": {"vision": vision}, "errors": _errors(exc)}
        return self.reply(request, program, self.section(program), "vision", failed=failed,
                          build=lambda f: selectors.make_row("vision", program, {"vision": vision}, f))


# The list rows: (model, section part, row template, list template, read, save, delete, posted)
KINDS = {
    "problem": (Problem, "analysis", "programs/editor/_problem_row.html", "programs/editor/_list_problem.html",
                services.save_problem, services.delete_problem, forms.problem_posted),
    "swot": (SwotItem, "analysis", "programs/editor/_swot_row.html", "programs/editor/_list_swot.html",
             services.save_swot_item, services.delete_swot_item, forms.swot_posted),
    "goal": (Goal, "goals", "programs/editor/_goal_row.html", "programs/editor/_list_goal.html",
             services.save_goal, services.delete_goal, forms.goal_posted),
    "measure": (Measure, "measures", "programs/editor/_measure_row.html", "programs/editor/_list_measure.html",
                services.save_measure, services.delete_measure, forms.measure_posted),
    "indicator": (ProgramIndicator, "indicators", "programs/editor/_indicator_row.html", "programs/editor/_list_indicator.html",
                  services.save_indicator, services.delete_indicator, None),
}


def _posted(kind, request, program):
    if kind == "indicator":
        return forms.indicator_posted(request.POST, program.years)
    return KINDS[kind][6](request.POST)


def _list_context(kind, program, failed=None, swot_kind=""):
    if kind == "problem":
        return {"problems": selectors.problems(program, failed)}
    if kind == "swot":
        quadrant = next(q for q in selectors.swot(program, failed) if q["kind"] == swot_kind)
        return {"quadrant": quadrant}
    if kind == "goal":
        return {"goals": selectors.goals(program, failed)}
    if kind == "measure":
        return {"measures": selectors.measures(program, failed)}
    return {"indicators": selectors.indicators(program, failed)}


class ItemEdit(Editing):
    """Save one problem, SWOT item, goal, measure or indicator."""

    def post(self, request, pk, kind, item):
        if kind not in KINDS:
            raise Http404
        model, part, self.template, _list, save, _delete, _read = KINDS[kind]
        program = selectors.program_for(request.user, pk)
        obj = model.objects.filter(program=program, pk=item).first()
        if obj is None:
            raise Http404
        posted = _posted(kind, request, program)
        key = f"{kind}-{obj.pk}"
        lines_before = obj.funding.count() if kind == "measure" else 0
        people_before = getattr(obj, "counts_people", None)
        failed = None
        try:
            obj = save(request.user, program, posted, obj)
        except ValidationError as exc:
            failed = {"key": key, "values": posted, "errors": _errors(exc)}
        structural = False
        add_line = bool(request.POST.get("add_line"))
        if kind == "measure":
            removed = any(line.get("remove") for line in posted["funding"])
            structural = add_line or removed or (failed is None and obj.funding.count() != lines_before)
        if kind == "indicator":
            structural = failed is None and obj.counts_people != people_before  # the women and men rows appear or go

        def build(f):
            if kind == "measure":
                return selectors.measure_row(program, obj, f, more_lines=add_line)
            if kind == "indicator":
                return selectors.indicator_row(program, obj, f)
            context = _list_context(kind, program, f, swot_kind=getattr(obj, "kind", ""))
            rows = (context.get("problems") or context.get("goals") or context.get("quadrant"))["rows"]
            found = next(r for r in rows if r.key == key)
            if kind == "goal":
                self._parents = context["goals"]["parents"]
            return found

        self._kind = kind
        return self.reply(request, program, _section_of(program, part), key, failed=failed, build=build, structural=structural)

    def extra(self, program):
        if self._kind == "goal":
            return {"parents": getattr(self, "_parents", [])}
        if self._kind == "measure":
            return {"objectives": [(g.pk, str(g), g.level) for g in program.goals.all()]}
        if self._kind == "indicator":
            return {"goal_choices": [(g.pk, str(g)) for g in program.goals.all()],
                    "measure_choices": [(m.pk, str(m)) for m in program.measures.all()], "target_years": program.years}
        return {}


class ItemAddOrDelete(LoginRequiredMixin, View):
    """Add a new row, or delete one; HTMX gets the whole list back (with the add form and its
    errors), a plain post goes back to the section."""

    http_method_names = ["post"]

    def post(self, request, pk, kind, item=None):
        if kind not in KINDS:
            raise Http404
        model, part, _row, list_template, save, delete, _read = KINDS[kind]
        program = selectors.program_for(request.user, pk)
        section = _section_of(program, part)
        failed = None
        swot_kind = request.POST.get("kind", "")
        if item is None:
            posted = _posted(kind, request, program)
            key = f"new-{kind}" + (f"-{swot_kind}" if kind == "swot" else "")
            try:
                created = save(request.user, program, posted)
                key = f"{kind}-{created.pk}"
            except ValidationError as exc:
                failed = {"key": key, "values": posted, "errors": _errors(exc)}
        else:
            obj = model.objects.filter(program=program, pk=item).first()
            if obj is None:
                raise Http404
            swot_kind = getattr(obj, "kind", "")
            key = f"list-{kind}"
            try:
                delete(request.user, obj)
            except ValidationError as exc:
                failed = {"key": f"{kind}-{obj.pk}", "values": {}, "errors": _errors(exc)}
                if not request.htmx:
                    messages.error(request, " ".join(m for ms in _errors(exc).values() for m in ms))
                    return HttpResponseRedirect(reverse("programs:section", args=[program.pk, section["code"]]) + f"#{kind}-{obj.pk}")
        if request.htmx:
            if kind == "swot" and swot_kind not in SwotItem.Kind.values:
                raise Http404
            context = {"program": program, "can_edit": True, **choices(program), **_list_context(kind, program, failed, swot_kind)}
            html = render_to_string(list_template, context, request)
            html += render_to_string("programs/editor/_inclusion_panel.html", {"program": program, "oob": True, **inclusion_context(program)}, request)
            return HttpResponse(html)
        if failed:
            return render(request, "programs/editor/section.html", section_context(request, program, section, failed=failed), status=400)
        messages.success(request, _("Saved.") if item is None else _("Deleted."))
        return HttpResponseRedirect(reverse("programs:section", args=[program.pk, section["code"]]) + f"#{key}")


# --- annexes --------------------------------------------------------------------------------------------------

class AnnexAdd(LoginRequiredMixin, View):
    http_method_names = ["post"]

    def post(self, request, pk):
        program = selectors.program_for(request.user, pk)
        section = _section_of(program, "annexes")
        form = forms.AnnexForm(request.POST, request.FILES)
        if form.is_valid():
            try:
                annex_services.add_annex(request.user, program, kind=form.cleaned_data["kind"], title=form.cleaned_data["title"],
                                         file=form.cleaned_data["file"])
            except ValidationError as exc:
                for name, errors in _errors(exc).items():
                    for error in errors:
                        form.add_error(name if name in form.fields else None, error)
            else:
                messages.success(request, _("Document attached."))
                return HttpResponseRedirect(reverse("programs:section", args=[program.pk, section["code"]]) + "#annexes")
        return render(request, "programs/editor/section.html", section_context(request, program, section, annex_form=form), status=400)


class AnnexRemove(LoginRequiredMixin, View):
    http_method_names = ["post"]

    def post(self, request, pk, item):
        program = selectors.program_for(request.user, pk)
        annex = program.annexes.filter(pk=item).first()
        if annex is None:
            raise Http404
        section = _section_of(program, "annexes")
        try:
            annex_services.remove_annex(request.user, annex)
        except ValidationError as exc:
            messages.error(request, " ".join(m for ms in _errors(exc).values() for m in ms))
        else:
            messages.success(request, _("Document removed."))
        return HttpResponseRedirect(reverse("programs:section", args=[program.pk, section["code"]]) + "#annexes")


# --- the XLSX template and import ------------------------------------------------------------------------------

IMPORT_SESSION_KEY = "programs-plan-import"
MAX_IMPORT_BYTES = 5 * 1024 * 1024


class PlanTemplateView(View):
    """The workbook to fill in: the action plan and the indicators as they are now."""

    def get(self, request, pk):
        program = selectors.program_for(request.user, pk)
        data = plan_import.template_workbook(program)
        response = HttpResponse(data, content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")
        response["Content-Disposition"] = f'attachment; filename="action-plan-{program.pk}.xlsx"'
        return response


class PlanImportView(LoginRequiredMixin, View):
    """Upload -> preview (a dry run: what would be created, updated, refused) -> confirm."""

    template = "programs/editor/import.html"

    def context(self, request, program, **more):
        return {"program": program, "sections": selectors.sections(program), "can_edit": selectors.can_edit(request.user, program),
                "form": more.pop("form", None) or forms.PlanImportForm(), **more}

    def get(self, request, pk):
        program = selectors.program_for(request.user, pk)
        if not selectors.can_edit(request.user, program):
            raise PermissionDenied(_("You may not change this program."))
        return render(request, self.template, self.context(request, program))

    def post(self, request, pk):
        program = selectors.program_for(request.user, pk)
        if not selectors.can_edit(request.user, program):
            raise PermissionDenied(_("You may not change this program."))
        stored = request.session.get(IMPORT_SESSION_KEY) or {}
        if request.POST.get("confirm"):
            if stored.get("program") != program.pk or stored.get("digest") != request.POST.get("digest"):
                messages.error(request, _("The file to import is no longer here; upload it again."))
                return HttpResponseRedirect(reverse("programs:import-plan", args=[program.pk]))
            data = base64.b64decode(stored["data"])
            report = plan_import.import_plan(request.user, program, data, dry_run=False, source=stored.get("name", ""))
            if report.committed:
                request.session.pop(IMPORT_SESSION_KEY, None)
                messages.success(request, report.summary())
                return HttpResponseRedirect(reverse("programs:section", args=[program.pk, _section_of(program, "measures")["code"]]))
            return render(request, self.template, self.context(request, program, report=report), status=400)
        form = forms.PlanImportForm(request.POST, request.FILES)
        if not form.is_valid():
            return render(request, self.template, self.context(request, program, form=form), status=400)
        upload = form.cleaned_data["file"]
        if upload.size > MAX_IMPORT_BYTES:
            form.add_error("file", _("The workbook is larger than %(limit)d MB.") % {"limit": MAX_IMPORT_BYTES // (1024 * 1024)})
            return render(request, self.template, self.context(request, program, form=form), status=400)
        data = upload.read()
        report = plan_import.import_plan(request.user, program, data, dry_run=True, source=upload.name)
        digest = ""
        if report.ok:
            digest = hashlib.sha256(data).hexdigest()
            request.session[IMPORT_SESSION_KEY] = {"program": program.pk, "digest": digest, "name": upload.name,
                                                   "data": base64.b64encode(data).decode("ascii")}
        return render(request, self.template, self.context(request, program, report=report, digest=digest),
                      status=200 if report.ok else 400)


urlpatterns = [
    path("<int:pk>/section/<slug:code>/", SectionView.as_view(), name="section"),
    path("<int:pk>/inclusion/", InclusionView.as_view(), name="inclusion"),
    path("<int:pk>/import/", PlanImportView.as_view(), name="import-plan"),
    path("<int:pk>/import/template.xlsx", PlanTemplateView.as_view(), name="plan-template"),
    path("<int:pk>/edit/approval/", ApprovalEdit.as_view(), name="edit-approval"),
    path("<int:pk>/edit/profile/<slug:table>/add/", ProfileRowAdd.as_view(), name="add-profile-row"),
    path("<int:pk>/edit/profile/<slug:table>/<slug:row>/remove/", ProfileRowAdd.as_view(), name="remove-profile-row"),
    path("<int:pk>/edit/profile/<slug:table>/<slug:row>/", ProfileRowEdit.as_view(), name="edit-profile-row"),
    path("<int:pk>/edit/text/<slug:code>/", TextEdit.as_view(), name="edit-text"),
    path("<int:pk>/edit/dream/<slug:group>/", DreamEdit.as_view(), name="edit-dream"),
    path("<int:pk>/edit/vision/", VisionEdit.as_view(), name="edit-vision"),
    path("<int:pk>/edit/annexes/add/", AnnexAdd.as_view(), name="annex-add"),
    path("<int:pk>/edit/annexes/<int:item>/remove/", AnnexRemove.as_view(), name="annex-remove"),
    path("<int:pk>/edit/<slug:kind>/new/", ItemAddOrDelete.as_view(), name="add-item"),
    path("<int:pk>/edit/<slug:kind>/<int:item>/delete/", ItemAddOrDelete.as_view(), name="delete-item"),
    path("<int:pk>/edit/<slug:kind>/<int:item>/", ItemEdit.as_view(), name="edit-item"),
]
