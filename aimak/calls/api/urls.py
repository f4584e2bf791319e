from rest_framework.routers import DefaultRouter

app_name = "calls-api"

router = DefaultRouter(trailing_slash=True)
urlpatterns = router.urls
