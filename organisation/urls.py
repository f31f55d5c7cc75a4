"""URLs of the organisation pages, below /organisation/: administrators only."""

from django.urls import path

from organisation import views

app_name = "organisation"
urlpatterns = [
    path("", views.index, name="index"),
    path("mall.xlsx", views.empty_template, name="template-new"),
    path("ladda-upp/", views.upload_new, name="upload-new"),
    path("<str:code>/", views.setup, name="setup"),
    path("<str:code>/mall.xlsx", views.template, name="template"),
    path("<str:code>/ladda-upp/", views.upload, name="upload"),
]
