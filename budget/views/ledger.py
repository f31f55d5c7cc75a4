"""ledger views."""

urlpatterns: list = []
