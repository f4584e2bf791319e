from django.urls import path

from . import views

app_name = "territories"

urlpatterns = [
    path("", views.TreeView.as_view(), name="tree"),
    path("search/", views.SearchView.as_view(), name="search"),
    path("list/", views.TerritoryListView.as_view(), name="list"),
    path("map/", views.MapView.as_view(), name="map"),
    path("import/", views.ImportView.as_view(), name="import"),
    path("changes/", views.ChangeListView.as_view(), name="changes"),
    path("t/<int:pk>/", views.TerritoryDetailView.as_view(), name="detail-id"),
    path("t/<int:pk>/children/", views.ChildrenView.as_view(), name="children"),
    path("<str:code>/", views.TerritoryDetailView.as_view(), name="detail"),
]
