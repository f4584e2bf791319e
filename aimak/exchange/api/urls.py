from . import dhis2, odk, spreadsheets

urlpatterns = [*dhis2.urlpatterns, *spreadsheets.urlpatterns, *odk.urlpatterns]
