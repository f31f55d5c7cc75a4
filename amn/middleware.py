"""Middleware of the whole application."""

from django.conf import settings
from django.http import HttpResponse
from django.template.loader import render_to_string


class RequestSizeLimitMiddleware:
    """Refuse a request body larger than UPLOAD_MAX_REQUEST_BYTES before it is read.

    Django streams uploaded files to disk without a limit of its own; the imports check a
    file's size only after it has arrived. This cuts off a body of gigabytes at once, from
    its declared length, while a file a little over an import's limit still reaches the
    import and gets its message there, naming the file.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        try:
            length = int(request.META.get("CONTENT_LENGTH") or 0)
        except ValueError:
            length = 0
        limit = settings.UPLOAD_MAX_REQUEST_BYTES
        if length > limit:
            text = render_to_string(
                "413.html",
                {"size_mb": length / 1_000_000, "limit_mb": limit / 1_000_000},
                request=None,
            )
            return HttpResponse(text, status=413)
        return self.get_response(request)
