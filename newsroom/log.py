"""Logging filters named in settings.LOGGING."""

import logging


class ExpectedRefusal(logging.Filter):
    """A refusal the site handled as it should (e.g. a request for a host it does not serve):
    a one-line warning, without the traceback Django attaches, so that errors stay errors."""

    def filter(self, record: logging.LogRecord) -> bool:
        record.exc_info = None
        record.exc_text = None
        record.stack_info = None
        if record.levelno > logging.WARNING:
            record.levelno, record.levelname = logging.WARNING, "WARNING"
        return True
