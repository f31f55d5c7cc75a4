"""pages views."""

urlpatterns: list = []
