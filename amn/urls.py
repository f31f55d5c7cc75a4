from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.urls import include, path

from amn import views

amn_patterns = ([path("", views.start, name="start")], "amn")

urlpatterns = [
    path("", include(amn_patterns)),
    path("organisation/", include("organisation.urls")),
    path("namnd/<str:code>/rapport/", include("reports.urls")),
    path("namnd/<str:code>/", include("budget.urls")),
    path("namnd/<str:code>/", include("goals.urls")),
    path("namnd/<str:code>/", include("indicators.urls")),
    path("logga-in/", auth_views.LoginView.as_view(), name="login"),
    path("logga-ut/", auth_views.LogoutView.as_view(), name="logout"),
    path("konto/losenord/", auth_views.PasswordChangeView.as_view(), name="password_change"),
    path(
        "konto/losenord/klart/",
        auth_views.PasswordChangeDoneView.as_view(),
        name="password_change_done",
    ),
    path("admin/", admin.site.urls),
]
