from rest_framework.routers import DefaultRouter

app_name = "programs-api"

router = DefaultRouter(trailing_slash=True)
urlpatterns = router.urls
