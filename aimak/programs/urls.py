"""Development program pages; each views module declares its own ``urlpatterns``."""

from .views import documents, editor, hearings, programs

app_name = "programs"
urlpatterns = [*programs.urlpatterns, *editor.urlpatterns, *hearings.urlpatterns, *documents.urlpatterns]
