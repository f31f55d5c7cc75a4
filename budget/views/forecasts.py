"""forecasts views."""

urlpatterns: list = []
