from rest_framework.routers import DefaultRouter

from . import views

app_name = "programs-api"

router = DefaultRouter(trailing_slash=True)
router.register("programs", views.ProgramViewSet, basename="program")
router.register("editions", views.EditionViewSet, basename="edition")
urlpatterns = router.urls
