"""SQL compiled once from a queryset built with placeholder values, then run with others.

Building and compiling a queryset of many expressions costs milliseconds of Python on every
request, though only a few of its values differ between requests. Built once with a
placeholder for each of those values, its SQL is reused with each request's own values in
their place: the querysets (published() and the rest) stay the one place its rules are written.

    parts = compiled(Article.objects.filter(...).annotate(rank=...), {"query": "\\x00query\\x00"})
    where, rank = (part.expression({"query": query}, output_field) for part in parts)

A placeholder must be a value the queryset cannot hold otherwise (a text with a NUL in it, a
date long past), so that it marks only the parameters it stands for.
"""

from django.db.models.expressions import RawSQL


class SQLTemplate:
    """SQL with some of its parameters standing for values given each time it runs."""

    def __init__(self, sql: str, params, placeholders: dict):
        self.sql, self.params = sql, tuple(params)
        self.slots = {
            index: name
            for index, param in enumerate(self.params)
            for name, placeholder in placeholders.items()
            if type(param) is type(placeholder) and param == placeholder
        }

    def expression(self, values: dict, output_field) -> RawSQL:
        """This SQL as an expression, with `values` (by placeholder name) for its slots."""
        params = list(self.params)
        for index, name in self.slots.items():
            params[index] = values[name]
        return RawSQL(self.sql, params, output_field=output_field)


def compiled(queryset, placeholders: dict, using: str = "default") -> list[SQLTemplate]:
    """The WHERE clause of `queryset`, then each of its annotations, as SQL templates. They
    refer to the model's table by its name, as any queryset of the same model does."""
    query = queryset.query
    compiler = query.get_compiler(using)
    parts = [compiler.compile(query.where), *map(compiler.compile, query.annotations.values())]
    templates = [SQLTemplate(sql, params, placeholders) for sql, params in parts]
    found = {name for template in templates for name in template.slots.values()}
    if found != set(placeholders):
        raise ValueError(f"Placeholders not in the SQL: {set(placeholders) - found}")
    return templates
