from rest_framework.routers import DefaultRouter

from . import views

app_name = "monitoring-api"

router = DefaultRouter(trailing_slash=True)
router.register("domains", views.DomainViewSet, basename="domain")
router.register("indicators", views.IndicatorViewSet, basename="indicator")
router.register("forms", views.ReportingFormViewSet, basename="form")
router.register("reports", views.ReportViewSet, basename="report")
router.register("values", views.DataValueViewSet, basename="value")
router.register("aggregates", views.AggregateValueViewSet, basename="aggregate")
router.register("index", views.IndexValueViewSet, basename="index")
router.register("alerts", views.AlertViewSet, basename="alert")
router.register("plans", views.PlanViewSet, basename="plan")
urlpatterns = router.urls
