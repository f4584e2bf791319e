from django.db import connection
from django.http import JsonResponse
from django.views.generic import TemplateView

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
        )
        return context


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
