"""Programs pages; each views module declares its own ``urlpatterns``."""

app_name = "programs"
urlpatterns: list = []
