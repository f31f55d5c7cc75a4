"""Middleware of the whole application."""

from django.conf import settings
from django.http import HttpResponse
from django.template.loader import render_to_string
from django.utils.cache import patch_cache_control


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


class PrivateNoStoreMiddleware:
    """Answers to a logged-in user are kept by no cache, the browser's included:
    `Cache-Control: private, no-store` unless the view set its own.

    Drafts, entry pages, the history and downloads of live figures show what only the
    nämnd's staff may see and what is no longer true tomorrow; a shared computer's browser
    cache or a proxy must not keep them.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        user = getattr(request, "user", None)
        if user is not None and user.is_authenticated and not response.has_header("Cache-Control"):
            patch_cache_control(response, private=True, no_store=True)
        return response
