from datetime import date

from django import forms
from django.contrib.auth.mixins import UserPassesTestMixin
from django.db.models import Q
from django.http import Http404
from django.shortcuts import get_object_or_404
from django.utils.translation import gettext_lazy as _
from django.views.generic import FormView, ListView, TemplateView

from aimak.accounts.models import RoleAssignment
from aimak.audit.selectors import history_of
from aimak.core import scoping
from aimak.core.imports import SourceError
from aimak.core.views import ObjectListView

from . import selectors
from .filtersets import TerritoryFilterSet
from .importers import IMPORTERS
from .tables import TERRITORY_COLUMNS
from .models import Territory, TerritoryChange, TerritoryChangeLink


def parse_as_of(request) -> date | None:
    value = request.GET.get("as_of") or ""
    try:
        return date.fromisoformat(value) if value else None
    except ValueError:
        return None


class TreeView(TemplateView):
    template_name = "territories/tree.html"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        as_of = parse_as_of(self.request)
        root = selectors.by_code("41700000000000")
        context.update(
            root=root,
            as_of=as_of,
            as_of_invalid=bool(self.request.GET.get("as_of")) and as_of is None,
            edition=selectors.edition_as_of(as_of),
            items=selectors.child_items(root, as_of) if root else [],
        )
        return context


class TerritoryListView(ObjectListView):
    queryset = Territory.objects.select_related("parent").order_by("path")
    filterset_class = TerritoryFilterSet
    columns = TERRITORY_COLUMNS
    export_name = "territories"
    title = _("List of territories")


class ChildrenView(TemplateView):
    """The next level of the tree, fetched by HTMX when a branch is opened."""

    template_name = "territories/_children.html"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        parent = get_object_or_404(Territory, pk=self.kwargs["pk"])
        as_of = parse_as_of(self.request)
        context.update(items=selectors.child_items(parent, as_of), as_of=as_of)
        return context


class TerritoryDetailView(TemplateView):
    template_name = "territories/detail.html"
    scope_model, scope_action = Territory, "view"  # read by the permission matrix

    def get_territory(self) -> Territory:
        if "pk" in self.kwargs:
            return get_object_or_404(Territory, pk=self.kwargs["pk"])
        territory = selectors.by_code(self.kwargs["code"])
        if territory is None or not scoping.can(self.request.user, "view", territory):
            raise Http404(_("No territory has this code."))
        return territory

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        t = self.get_territory()
        as_of = parse_as_of(self.request)
        state = None
        if as_of is not None:
            state = t.versions.valid_on(as_of).select_related("parent").first()
        links = TerritoryChangeLink.objects.filter(Q(predecessor=t) | Q(successor=t)).select_related(
            "change", "predecessor", "successor"
        ).order_by("change__effective_date")
        context.update(
            territory=t,
            ancestors=selectors.ancestors(t),
            children=selectors.child_items(t, as_of),
            as_of=as_of,
            state=state,
            versions=t.versions.select_related("parent", "change").order_by("valid_from"),
            other_names=t.other_names.order_by("kind", "name"),
            links=links,
            derived_names=t.sources.get("names_ky_en") == "derived from Russian",
            parent_has_boundary=bool(t.parent and t.parent.geometry_web),
            can_manage_access=scoping.allowed_within(self.request.user, "manage_users", RoleAssignment, t),
            change_records=history_of(t, self.request.user)[:50] if self.request.user.is_authenticated else [],
        )
        return context


class SearchView(TemplateView):
    template_name = "territories/search.html"

    def get_template_names(self):
        if self.request.htmx:
            return ["territories/_search_results.html"]
        return [self.template_name]

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        q = (self.request.GET.get("q") or "").strip()
        include_abolished = self.request.GET.get("abolished") == "1"
        results = list(selectors.search(q, limit=50, include_abolished=include_abolished)) if q else []
        chains = selectors.ancestors_for(results)
        context.update(
            q=q,
            include_abolished=include_abolished,
            results=[{"territory": t, "chain": [a for a in chains[t.pk] if a.depth > 0]} for t in results],
        )
        return context


class MapView(TemplateView):
    template_name = "territories/map.html"


class ChangeListView(ListView):
    template_name = "territories/changes.html"
    paginate_by = 50

    def get_queryset(self):
        return TerritoryChange.objects.select_related("edition").prefetch_related("links__predecessor", "links__successor").order_by(
            "-effective_date", "-id"
        )


class ImportForm(forms.Form):
    importer = forms.ChoiceField(label=_("What the file contains"), choices=[(k, i.label) for k, i in IMPORTERS.items()])
    file = forms.FileField(label=_("File"), help_text=_("CSV, JSON or GeoJSON, up to 50 MB."))
    dry_run = forms.BooleanField(label=_("Check only, do not save"), required=False, initial=True)

    def clean(self):
        cleaned = super().clean()
        upload, importer = cleaned.get("file"), IMPORTERS.get(cleaned.get("importer") or "")
        if upload and importer and not upload.name.lower().endswith(importer.extensions):
            self.add_error("file", _("This importer reads %(types)s files.") % {"types": ", ".join(importer.extensions)})
        if upload and upload.size > 50 * 1024 * 1024:
            self.add_error("file", _("The file is larger than 50 MB."))
        return cleaned


class ImportView(UserPassesTestMixin, FormView):
    """Upload of reference data by an administrator, with a report of every row."""

    template_name = "territories/import.html"
    form_class = ImportForm

    def test_func(self):
        country = selectors.by_code("41700000000000")
        return scoping.allowed_within(self.request.user, "configure", Territory, country)

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["importers"] = IMPORTERS.values()
        return context

    def form_valid(self, form):
        importer = IMPORTERS[form.cleaned_data["importer"]]
        upload = form.cleaned_data["file"]
        try:
            report = importer.run(upload, dry_run=form.cleaned_data["dry_run"])
        except SourceError as exc:
            form.add_error("file", str(exc))
            return self.form_invalid(form)
        return self.render_to_response(self.get_context_data(form=form, report=report))
