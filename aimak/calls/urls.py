"""Calls pages; each views module declares its own ``urlpatterns``."""

app_name = "calls"
urlpatterns: list = []
