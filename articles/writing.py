"""Length and reading time of an article's Markdown, as the desk shows them while writing."""

import math
import re

from django.utils.translation import gettext as _
from django.utils.translation import ngettext

# Adult readers manage about 230 words a minute on screen.
WORDS_PER_MINUTE = 230
_WORD = re.compile(r"[^\W_]+(?:['’\-][^\W_]+)*")


def word_count(markdown: str) -> int:
    # Markdown punctuation (##, *, [](…)) is not words; URLs inside links are not read aloud.
    text = re.sub(r"\]\([^)]*\)", "]", markdown or "")
    return len(_WORD.findall(text))


def writing_stats(markdown: str) -> dict:
    words = word_count(markdown)
    minutes = max(1, math.ceil(words / WORDS_PER_MINUTE)) if words else 0
    summary = _("%(words)s · %(minutes)s") % {
        "words": ngettext("%(n)d word", "%(n)d words", words) % {"n": words},
        "minutes": ngettext("about %(n)d minute to read", "about %(n)d minutes to read", minutes)
        % {"n": minutes},
    }
    return {"words": words, "minutes": minutes, "summary": summary}
