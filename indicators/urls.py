"""URLs of the indicator side, below /namnd/<code>/. Each view module owns its patterns."""

from indicators.views import assessment_entry, entry, kolada, pages, round_trip

app_name = "indicators"
urlpatterns = [
    *pages.urlpatterns,
    *entry.urlpatterns,
    *assessment_entry.urlpatterns,
    *kolada.urlpatterns,
    *round_trip.urlpatterns,
]
