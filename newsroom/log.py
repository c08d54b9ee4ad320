"""Logging filters named in settings.LOGGING."""

import logging


class WithoutTraceback(logging.Filter):
    """Keep the record's message, drop its traceback: for expected refusals, one line each."""

    def filter(self, record: logging.LogRecord) -> bool:
        record.exc_info = None
        record.exc_text = None
        record.stack_info = None
        return True
