"""The JSON fixture format, with times kept to the microsecond (SERIALIZATION_MODULES["json"]).

Django's JSON encoder cuts times to the millisecond (the ECMA-262 format, for JavaScript), so a
dumpdata / loaddata round trip would change every timestamp a little. Fixtures are read by
Django, which parses the full ISO 8601 form; a backup must give back what it was given.
"""

import datetime

from django.core.serializers import json
from django.core.serializers.json import Deserializer, DjangoJSONEncoder

__all__ = ["Deserializer", "ExactJSONEncoder", "Serializer"]


class ExactJSONEncoder(DjangoJSONEncoder):
    def default(self, o):
        if isinstance(o, datetime.datetime):
            return o.isoformat().replace("+00:00", "Z")
        return super().default(o)


class Serializer(json.Serializer):
    def _init_options(self):
        self.options.setdefault("cls", ExactJSONEncoder)
        super()._init_options()
