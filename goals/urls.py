"""URLs of the goal side, below /namnd/<code>/. Each view module owns its patterns."""

from goals.views import entry

app_name = "goals"
urlpatterns = [*entry.urlpatterns]
