"""Call and competition pages; each views module declares its own ``urlpatterns``."""

from .views import calls

app_name = "calls"
urlpatterns = [*calls.urlpatterns]
