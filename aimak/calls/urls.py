"""Call and competition pages; each views module declares its own ``urlpatterns``."""

from .views import applications, calls, review

app_name = "calls"
urlpatterns = [*calls.urlpatterns, *applications.urlpatterns, *review.urlpatterns]
