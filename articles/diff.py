"""Word-level differences between two texts, as HTML an editor can read."""

import difflib
import re

from django.utils.html import conditional_escape, format_html
from django.utils.safestring import SafeString, mark_safe

# Words with the white space after them, so line breaks survive and a diff reads like the text.
_TOKENS = re.compile(r"\S+\s*|\s+")


def _tokens(text: str) -> list[str]:
    return _TOKENS.findall(text or "")


def word_diff(old: str, new: str) -> SafeString:
    """`old` → `new` with removed words in <del> and added words in <ins>; all text escaped."""
    old_tokens, new_tokens = _tokens(old), _tokens(new)
    matcher = difflib.SequenceMatcher(a=old_tokens, b=new_tokens, autojunk=False)
    parts = []
    for op, a1, a2, b1, b2 in matcher.get_opcodes():
        if op == "equal":
            parts.append(conditional_escape("".join(old_tokens[a1:a2])))
            continue
        if op in {"delete", "replace"}:
            parts.append(format_html("<del>{}</del>", "".join(old_tokens[a1:a2])))
        if op in {"insert", "replace"}:
            parts.append(format_html("<ins>{}</ins>", "".join(new_tokens[b1:b2])))
    return mark_safe("".join(parts))


def field_diffs(old: dict[str, str], new: dict[str, str], labels: dict[str, str]) -> list[dict]:
    """One entry per labelled field: its label, whether it changed, and the word diff."""
    return [
        {
            "name": name,
            "label": label,
            "changed": (old.get(name) or "") != (new.get(name) or ""),
            "diff": word_diff(old.get(name) or "", new.get(name) or ""),
        }
        for name, label in labels.items()
    ]
