from rest_framework.routers import DefaultRouter

from . import views

app_name = "calls-api"

router = DefaultRouter(trailing_slash=True)
router.register("calls", views.CallViewSet, basename="call")
router.register("applications", views.ApplicationViewSet, basename="application")
urlpatterns = router.urls
