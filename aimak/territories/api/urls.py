from rest_framework.routers import DefaultRouter

from .views import TerritoryViewSet

app_name = "territories-api"

router = DefaultRouter(trailing_slash=True)
router.register("", TerritoryViewSet, basename="territory")
urlpatterns = router.urls
