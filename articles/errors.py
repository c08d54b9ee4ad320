"""Server error pages: a database outage answers 503 with Retry-After, anything else 500.

Django calls handler500 (newsroom/urls.py) for every exception nothing else handled, wherever
it was raised: in a view, a template or a middleware. When the exception is the database
being unreachable (PostgreSQL stopped, restarting, refusing connections), readers and editors
get the designed "back in a moment" page in their language, a Retry-After header, and one
concise log line instead of a traceback. Pages the page cache holds are still served during
an outage (articles/cache.py answers them before anything asks the database).
"""

import logging
import sys

from django.db import InterfaceError, OperationalError
from django.http import HttpResponse, HttpResponseServerError
from django.template import loader
from django.utils import translation
from django.views import defaults

from .context_processors import language_links, publisher

logger = logging.getLogger(__name__)

RETRY_AFTER_SECONDS = 30
DATABASE_UNAVAILABLE = (OperationalError, InterfaceError)


def database_unavailable(error: BaseException | None) -> bool:
    """Whether `error` (or what caused it) says the database cannot be reached."""
    seen = set()
    while error is not None and id(error) not in seen:
        if isinstance(error, DATABASE_UNAVAILABLE):
            return True
        seen.add(id(error))
        error = error.__cause__ or error.__context__
    return False


def server_error(request, exception=None):
    """handler500: the outage page when the database is unreachable, else Django's 500."""
    error = sys.exc_info()[1] or exception
    if not database_unavailable(error):
        return defaults.server_error(request)
    try:
        response = service_unavailable(request)
    except Exception:  # the outage page must never be the thing that fails
        logger.exception("The outage page could not be rendered.")
        return HttpResponseServerError(b"<h1>Server Error (500)</h1>")
    # Logged here, once and without a traceback; Django's request logger skips a response
    # marked as logged.
    first_line = str(error).strip().splitlines()[0] if str(error).strip() else ""
    logger.error(
        "Database unavailable, answered 503: %s %s (%s: %s)",
        request.method,
        request.path,
        type(error).__name__,
        first_line,
    )
    response._has_been_logged = True
    return response


def service_unavailable(request) -> HttpResponse:
    """The designed 503 page, rendered without the database.

    No context processors run (the section navigation would query); the template gets only
    what it needs, worked out from the request alone.
    """
    language = translation.get_language_from_request(request, check_path=True)
    with translation.override(language):
        context = {
            "LANGUAGE_CODE": language,
            "status_code": 503,
            **language_links(request),
            **publisher(request),
        }
        body = loader.get_template("503.html").render(context)
    response = HttpResponse(body, status=503)
    response["Retry-After"] = str(RETRY_AFTER_SECONDS)
    # A CDN or browser must not keep the error past the outage.
    response["Cache-Control"] = "no-store"
    response["Content-Language"] = language
    return response
