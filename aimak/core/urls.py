from django.urls import path

from . import views

app_name = "core"

urlpatterns = [
    path("", views.HomeView.as_view(), name="home"),
    path("about/data/", views.AboutDataView.as_view(), name="about-data"),
    path("health/", views.health, name="health"),
]
