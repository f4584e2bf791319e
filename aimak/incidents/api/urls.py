from rest_framework.routers import DefaultRouter

from . import views

app_name = "incidents-api"

router = DefaultRouter(trailing_slash=True)
router.register("incidents", views.IncidentViewSet, basename="incident")
router.register("types", views.IncidentTypeViewSet, basename="type")
urlpatterns = router.urls
