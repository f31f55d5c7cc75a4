"""URLs of the money side, below /namnd/<code>/. Each view module owns its patterns."""

from budget.views import forecasts, internal_budget, ledger, pages, year

app_name = "budget"
urlpatterns = [
    *pages.urlpatterns,
    *forecasts.urlpatterns,
    *ledger.urlpatterns,
    *year.urlpatterns,
    *internal_budget.urlpatterns,
]
