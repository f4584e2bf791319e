"""The live views of monitoring: the national map with its table, and a territory's page.

Monitoring data is not public: every page needs sign-in and shows only what
``scoping.restrict`` lets the person see; a territory outside their scope is a 404."""

from __future__ import annotations

from datetime import date

from django.contrib.auth.mixins import LoginRequiredMixin
from django.http import Http404, JsonResponse
from django.urls import path, reverse
from django.utils.decorators import method_decorator
from django.utils.http import urlencode
from django.utils.translation import gettext_lazy as _
from django.views import View
from django.views.generic import TemplateView

from aimak.core.answers import kept
from aimak.core.exports import stream_csv, xlsx_response
from aimak.territories import selectors as territory_selectors
from aimak.territories.api.geojson import feature

from .. import periods
from ..models import IndexValue
from ..selectors import dashboards as selectors

MEASURES = ("index", "completeness")


def _pct(value):
    return None if value is None else round(value * 100, 1)


def _period_param(request, available: list[date], fallback: date | None) -> tuple[date | None, bool]:
    """The period asked for (``?period=2026-03``), else the fallback; says whether the request
    named a period that is not a month."""
    code = request.GET.get("period") or ""
    if not code:
        return fallback, False
    try:
        span = periods.parse(code)
    except ValueError:
        return fallback, True
    if span.type != periods.MONTHLY:
        return fallback, True
    return span.start, False


def _export(request, tables: dict, stem: str):
    """``?export=csv|xlsx&table=<name>``: the table as a file; None when no export is asked."""
    kind = request.GET.get("export")
    if kind not in ("csv", "xlsx"):
        return None
    name = request.GET.get("table") or next(iter(tables))
    if name not in tables:
        raise Http404(_("No table has this name."))
    header, rows = tables[name]()
    filename = f"{stem}-{name}.{kind}"
    if kind == "csv":
        return stream_csv(filename, header, ([("" if v is None else str(v)) for v in row] for row in rows))
    return xlsx_response(filename, header, rows)


def _territory_rows_table(rows):
    header = [_("SOATE code"), _("territory"), _("index"), _("level"), _("expected reports"), _("received"),
              _("on time"), _("completeness, %"), _("timeliness, %")]
    body = [
        [r["code"], str(r["name"]), r["value"], str(r["level"]["label"]) if r["level"] else "", r["expected"], r["received"],
         r["on_time"], _pct(r["rate"]), _pct(r["timeliness"])]
        for r in rows
    ]
    return header, body


class AreaMixin:
    """Reads the map's area, period, measure and form from the query string."""

    def read_params(self):
        request, user = self.request, self.request.user
        parent = None
        if request.GET.get("parent"):
            parent = territory_selectors.by_code(request.GET["parent"])
            if parent is None:
                raise Http404(_("No territory has this code."))
        level = request.GET.get("level") or ""
        level = int(level) if level.isdigit() and int(level) in (1, 2, 3) else None
        self.area = selectors.resolve_area(user, parent=parent, level=level)
        self.available = selectors.periods_with_data(user)
        self.period, self.bad_period = _period_param(request, self.available, self.available[0] if self.available else None)
        measure = request.GET.get("measure")
        self.measure = measure if measure in MEASURES else "index"
        self.form = selectors.completeness_form(request.GET.get("form"))
        self.sort = request.GET.get("sort") if request.GET.get("sort") in selectors.SORTS else "name"


@method_decorator(kept(page=True), name="dispatch")
class OverviewView(LoginRequiredMixin, AreaMixin, TemplateView):
    """The national map for a period, coloured by index level or by completeness, drillable."""

    template_name = "monitoring/dashboards/overview.html"

    def get(self, request, *args, **kwargs):
        self.read_params()
        self.rows = selectors.map_rows(request.user, self.area, period_start=self.period, form=self.form, sort=self.sort)
        period_code = periods.PeriodSpan(periods.MONTHLY, self.period).code if self.period else "none"
        exported = _export(request, {"territories": lambda: _territory_rows_table(self.rows)}, f"monitoring-{period_code}")
        return exported or super().get(request, *args, **kwargs)

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        user = self.request.user
        parent = self.area.parent
        params = {"period": periods.PeriodSpan(periods.MONTHLY, self.period).code if self.period else "", "measure": self.measure}
        if self.form:
            params["form"] = self.form.code
        area_params = {}
        if parent is not None:
            area_params["parent"] = parent.code
        elif self.area.level is not None:
            area_params["level"] = self.area.level
        crumbs = []
        if parent is not None:
            chain = territory_selectors.ancestors(parent) + [parent]
            crumbs = [
                {"territory": t, "url": "?" + urlencode({**params, "parent": t.code}) if selectors.in_scope(user, t) and t.level < 3 else ""}
                for t in chain if t.level > 0
            ]
        context.update(
            rows=self.rows,
            area=self.area,
            parent=parent,
            crumbs=crumbs,
            whole_country=selectors.sees_whole_country(user),
            period=periods.PeriodSpan(periods.MONTHLY, self.period) if self.period else None,
            available=[periods.PeriodSpan(periods.MONTHLY, p) for p in self.available],
            bad_period=self.bad_period,
            measure=self.measure,
            form=self.form,
            forms=selectors.active_forms(),
            sort=self.sort,
            query=urlencode({**params, **area_params}),
            drill_query=urlencode(params),
            map_data_url=reverse("monitoring:map-data") + "?" + urlencode({**params, **area_params}),
            levels=selectors.level_counts(self.rows),
            legend=selectors.legend(),
            completeness_legend=selectors.completeness_legend(),
            alerts=selectors.alert_counts(user),
            completeness=selectors.scope_completeness(user, self.form, self.period),
            synthetic=selectors.has_synthetic(user),
        )
        return context


@method_decorator(kept(page=False), name="dispatch")
class MapDataView(LoginRequiredMixin, AreaMixin, View):
    """GeoJSON of the map's area: boundaries for oblasts and rayons, points for aiyl aimaks,
    with the index level or completeness of the period in each feature's properties."""

    def get(self, request):
        self.read_params()
        rows = selectors.map_rows(request.user, self.area, period_start=self.period, form=self.form, with_geometry=True)
        period = periods.PeriodSpan(periods.MONTHLY, self.period).code if self.period else ""
        features = []
        for r in rows:
            f = feature(r["territory"])
            band = selectors.completeness_band(r["rate"])
            f["properties"] = {
                "code": r["code"], "name": str(r["name"]), "kind_label": str(r["kind"]),
                "value": float(r["value"]) if r["value"] is not None else None,
                "level": r["level"]["code"] if r["level"] else None,
                "level_label": str(r["level"]["label"]) if r["level"] else None,
                "colour": (r["level"]["colour"] if r["level"] else None) if self.measure == "index" else (band["colour"] if band else None),
                "rate": r["rate"], "timeliness": r["timeliness"], "expected": r["expected"], "received": r["received"],
                "band_label": str(band["label"]) if band else None,
                "url": reverse("monitoring:territory", args=[r["code"]]),
                "drill": r["drill"],
            }
            features.append(f)
        data = {"type": "FeatureCollection", "period": period, "measure": self.measure, "features": features}
        parent = self.area.parent
        if parent is not None and parent.geometry_web:  # the outline the points sit in (a foreign member of GeoJSON)
            data["context"] = {"type": "Feature", "geometry": parent.geometry_web, "properties": {"code": parent.code, "name": str(parent.name)}}
        return JsonResponse(data, content_type="application/geo+json")


@method_decorator(kept(page=True), name="dispatch")
class TerritoryView(LoginRequiredMixin, TemplateView):
    """A territory's monitoring page: index trend and breakdown, indicators with sparklines and
    disaggregations, open alerts, plans, reporting history and its children's completeness."""

    template_name = "monitoring/dashboards/territory.html"
    scope_model, scope_action = IndexValue, "view"  # read by the permission matrix

    def get(self, request, *args, **kwargs):
        user = request.user
        territory = territory_selectors.by_code(kwargs["code"])
        if territory is None or not selectors.in_scope(user, territory):
            raise Http404(_("No territory has this code, or its monitoring data is outside your access."))
        self.territory = territory
        self.series = selectors.index_series(user, territory)
        fallback = self.series[-1].period_start if self.series else selectors.latest_period(user)
        self.period, self.bad_period = _period_param(request, [], fallback)
        self.form = selectors.completeness_form(request.GET.get("form"))
        self.current = next((iv for iv in self.series if iv.period_start == self.period), None)
        if self.current is None:
            self.current = selectors.index_value(user, territory, self.period)
        self.breakdown = selectors.breakdown_rows(self.current)
        scores = {b["code"]: b["score"] for b in self.breakdown}
        self.indicators = selectors.indicator_table(user, territory, self.period, scores=scores) if self.period else []
        self.alerts = selectors.open_alerts(user, territory)
        self.plans = selectors.plans(user, territory)
        self.reports = selectors.reporting_history(user, territory)
        self.children = []
        if territory.level < 3:
            area = selectors.Area(territory, None, [])
            self.children = selectors.map_rows(user, area, period_start=self.period, form=self.form,
                                               sort=request.GET.get("sort") or "name")
        period_code = periods.PeriodSpan(periods.MONTHLY, self.period).code if self.period else "none"
        exported = _export(request, self.tables(), f"monitoring-{territory.code}-{period_code}")
        return exported or super().get(request, *args, **kwargs)

    def tables(self) -> dict:
        return {
            "index": lambda: (
                [_("period"), _("index"), _("level"), _("share of indicators with data")],
                [[periods.PeriodSpan(iv.period_type, iv.period_start).code, iv.value, str(iv.get_level_display()), iv.coverage]
                 for iv in self.series],
            ),
            "breakdown": lambda: (
                [_("code"), _("indicator"), _("domain"), _("value"), _("score"), _("weight"), _("contribution"),
                 _("threshold reached"), _("compared")],
                [[b["code"], str(b["name"]), str(b["domain"]), b["value"], b["score"], b["weight"], b["contribution"],
                  str(b["threshold"]["label"]) if b["threshold"] else "", str(b["reason"])] for b in self.breakdown],
            ),
            "indicators": lambda: (
                [_("code"), _("indicator"), _("domain"), _("value"), _("unit"), _("parts"), _("score")],
                [[r["code"], str(r["name"]), str(r["domain"]), r["value"], r["unit"],
                  "; ".join(f"{c['label']}: {c['value']}" for c in r["categories"]), r["score"]] for r in self.indicators],
            ),
            "alerts": lambda: (
                [_("raised"), _("territory"), _("severity"), _("status"), _("summary"), _("acknowledge by")],
                [[a.raised_at, str(a.territory), str(a.get_severity_display()), str(a.get_status_display()), a.summary,
                  a.acknowledge_due] for a in self.alerts],
            ),
            "plans": lambda: (
                [_("title"), _("territory"), _("type of plan"), _("status"), _("starts"), _("ends")],
                [[p.title, str(p.territory), str(p.get_plan_type_display()), str(p.get_status_display()), p.starts_on, p.ends_on]
                 for p in self.plans],
            ),
            "reports": lambda: (
                [_("form"), _("territory"), _("period"), _("status"), _("submitted")],
                [[str(r.form), str(r.territory), r.period.code, str(r.get_status_display()), r.submitted_at] for r in self.reports],
            ),
            "children": lambda: _territory_rows_table(self.children),
        }

    def get_context_data(self, **kwargs):
        from aimak.incidents.selectors import panels as incident_panels

        context = super().get_context_data(**kwargs)
        user, territory = self.request.user, self.territory
        crumbs = [
            {"territory": t, "url": reverse("monitoring:territory", args=[t.code]) if selectors.in_scope(user, t) else ""}
            for t in territory_selectors.ancestors(territory) if t.level > 0
        ]
        period = periods.PeriodSpan(periods.MONTHLY, self.period) if self.period else None
        trend = {
            "periods": [periods.PeriodSpan(iv.period_type, iv.period_start).code for iv in self.series],
            "values": [float(iv.value) for iv in self.series],
            "levels": [str(iv.get_level_display()) for iv in self.series],
            "bands": [{**b, "label": str(b["label"])} for b in selectors.level_bands()],
            "selected": period.code if period else None,
        }
        bars = {
            "names": [str(b["name"]) for b in self.breakdown],
            "values": [b["contribution"] or 0 for b in self.breakdown],
            "colours": [b["threshold"]["colour"] if b["threshold"] else "#5b6b7b" for b in self.breakdown],
        }
        context.update(
            territory=territory,
            crumbs=crumbs,
            period=period,
            bad_period=self.bad_period,
            period_choices=[periods.PeriodSpan(iv.period_type, iv.period_start) for iv in reversed(self.series)],
            current=self.current,
            current_level=selectors.level_info(self.current.level) if self.current else None,
            series=self.series,
            trend=trend,
            bars=bars,
            breakdown=self.breakdown,
            decided=next((b for b in self.breakdown if b["decides"]), None),
            hotspot=selectors.hotspot_info(self.current),
            indicators=self.indicators,
            alerts=self.alerts,
            plans=self.plans,
            reports=self.reports,
            children=self.children,
            form=self.form,
            forms=selectors.active_forms(),
            legend=selectors.legend(),
            query=urlencode({"period": period.code} if period else {}),
            synthetic=selectors.has_synthetic(user, territory),
            incident_panel=incident_panels.territory_panel(user, territory),
            overview_url=reverse("monitoring:overview") + "?" + urlencode(
                {"parent": territory.code, **({"period": period.code} if period else {})}) if territory.level < 3 else "",
        )
        return context


urlpatterns = [
    path("", OverviewView.as_view(), name="overview"),
    path("map-data/", MapDataView.as_view(), name="map-data"),
    path("territory/<str:code>/", TerritoryView.as_view(), name="territory"),
]
