"""The report layer's addresses, under /namnd/<code>/rapport/."""

from django.urls import path

from reports import preparation_views, views

app_name = "reports"
urlpatterns = [
    path("<int:period>/arbete/", preparation_views.preparation, name="preparation"),
    path("<int:period>/arbete/starta/", preparation_views.start, name="start"),
    path("<int:period>/arbete/ansvar/", preparation_views.assign, name="assign"),
    path("<int:period>/avsnitt/<str:key>/", preparation_views.section, name="section"),
    path("andringar/", views.history, name="history"),
    path("<int:period>/", views.draft, name="draft"),
    path("<int:period>/publicera/", views.publish, name="publish"),
    path("<int:period>/publicerad/", views.latest, name="latest"),
    path("<int:period>/publicerad/excel/", views.workbook, name="latest-xlsx"),
    path("<int:period>/publicerad/data.json", views.open_data, name="latest-json"),
    path("<int:period>/publicerad/pdf/", views.pdf, name="latest-pdf"),
    path(
        "<int:period>/publicerad/tabell/<slug:table>.csv", views.open_data_table, name="latest-csv"
    ),
    path(
        "<int:period>/version/<int:number>/tabell/<slug:table>.csv",
        views.open_data_table,
        name="version-csv",
    ),
    path("<int:period>/version/<int:number>/", views.version, name="version"),
    path("<int:period>/version/<int:number>/excel/", views.workbook, name="version-xlsx"),
    path("<int:period>/version/<int:number>/data.json", views.open_data, name="version-json"),
    path("<int:period>/version/<int:number>/pdf/", views.pdf, name="version-pdf"),
]
