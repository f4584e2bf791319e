"""Exchange pages; each views module declares its own ``urlpatterns``."""

from .views import acled, dhis2, exports, index, mappings, odk, spreadsheets

app_name = "exchange"
urlpatterns = [*index.urlpatterns, *dhis2.urlpatterns, *spreadsheets.urlpatterns, *odk.urlpatterns, *exports.urlpatterns,
               *mappings.urlpatterns, *acled.urlpatterns]
