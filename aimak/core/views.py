from django.db import connection
from django.http import JsonResponse
from django.views.generic import ListView, TemplateView

from aimak.core.exports import stream_csv, xlsx_response
from aimak.core.tables import rows

from aimak.territories import selectors as territory_selectors


class HomeView(TemplateView):
    """The national overview: the map of the country, what the gazetteer holds, where to go next."""

    template_name = "core/home.html"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        counts = territory_selectors.counts_by_kind()
        context.update(
            counts=counts,
            regions=territory_selectors.children(territory_selectors.by_code("41700000000000")) if counts["country"] else [],
            edition=territory_selectors.edition_as_of(None),
            my_places=self.my_places(),
            monitoring=self.monitoring(),
        )
        return context

    def monitoring(self):
        """The monitoring panel for signed-in people who see monitoring data."""
        if not self.request.user.is_authenticated:
            return None
        from aimak.monitoring.selectors.dashboards import has_synthetic, home_summary

        summary = home_summary(self.request.user)
        if summary is not None:
            summary["synthetic"] = has_synthetic(self.request.user)
        return summary


    def my_places(self):
        user = self.request.user
        if not user.is_authenticated:
            return []
        from aimak.accounts.selectors import active_assignments

        return active_assignments(user)


class AboutDataView(TemplateView):
    template_name = "core/about_data.html"

    def get_context_data(self, **kwargs):
        from aimak.territories.models import GazetteerEdition, TerritoryChange

        context = super().get_context_data(**kwargs)
        context.update(
            counts=territory_selectors.counts_by_kind(),
            editions=GazetteerEdition.objects.all(),
            change_count=TerritoryChange.objects.count(),
        )
        return context


def health(request):
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")
    return JsonResponse({"status": "ok", "database": connection.vendor})


class ObjectListView(ListView):
    """A filtered, paginated table of objects with CSV and XLSX exports of the same filter.

    An app's list page is a short configuration: model queryset, filterset, columns."""

    filterset_class = None
    columns: list = []
    export_name = "export"
    paginate_by = 50
    template_name = "core/object_list.html"
    # set on lists of restricted or personal data: every export is written to the security log
    export_logged_as: str = ""
    title = ""

    def get_base_queryset(self):
        return self.queryset.all()

    def get_queryset(self):
        self.filterset = self.filterset_class(self.request.GET or None, queryset=self.get_base_queryset(), request=self.request)
        if self.filterset.is_bound and not self.filterset.is_valid():
            return self.filterset.queryset.none()
        return self.filterset.qs

    def get(self, request, *args, **kwargs):
        export = request.GET.get("export")
        if export in ("csv", "xlsx"):
            if self.export_logged_as:
                from aimak.audit.services import log_security_event

                log_security_event("export", user=request.user, detail={"what": self.export_logged_as, "format": export, "filters": request.GET.dict()})
            qs = self.get_queryset()
            header = [c.header for c in self.columns]
            cells = (cells for _obj, cells in rows(qs.iterator(chunk_size=2000), self.columns))
            if export == "csv":
                return stream_csv(f"{self.export_name}.csv", header, ([str(v) for _c, v in row] for row in cells))
            return xlsx_response(f"{self.export_name}.xlsx", header, ([v for _c, v in row] for row in cells), sheet_name=self.export_name)
        return super().get(request, *args, **kwargs)

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        query = self.request.GET.copy()
        query.pop("page", None)
        context.update(
            filterset=self.filterset,
            columns=self.columns,
            table=rows(context["object_list"], self.columns),
            title=self.title,
            query=query.urlencode(),
        )
        return context
