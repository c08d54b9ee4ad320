"""Print what articles/seo.py builds: `{{ data|jsonld }}` and `{% seo_head meta %}`."""

import json

from django import template
from django.core.serializers.json import DjangoJSONEncoder
from django.utils.safestring import mark_safe

register = template.Library()

# As Django's json_script: no "</script>", "<!--" or "]]>" can survive inside the element.
_SCRIPT_ESCAPES = {ord("<"): "\\u003c", ord(">"): "\\u003e", ord("&"): "\\u0026"}


@register.filter(is_safe=True)
def jsonld(data):
    """`data` as a <script type="application/ld+json"> element; nothing for empty data."""
    if not data:
        return ""
    text = json.dumps(data, ensure_ascii=False, cls=DjangoJSONEncoder).translate(_SCRIPT_ESCAPES)
    return mark_safe(f'<script type="application/ld+json">{text}</script>')


@register.inclusion_tag("includes/seo_head.html")
def seo_head(meta):
    """Canonical, description, hreflang alternates, OpenGraph and Twitter tags from page_meta()."""
    return {"meta": meta}
