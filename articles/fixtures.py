"""Fixtures checked like an edit at the desk, and refused with a message an operator can act on.

`manage.py loaddata` (management/commands/loaddata.py) passes every object it reads through a
FixtureCheck before saving it: the model's own validation (`full_clean`, as the admin runs it),
the desk's list of languages and its ban on NUL characters, references that exist, and no object
twice in one file. The first problem stops the load; the command's transaction takes back what
was saved, and the operator reads one paragraph naming the file, the object and the problem.

What a fixture may hold at all (content, or a whole backup into an emptied database) is
fixture_scope.py's.
"""

import copy
import json
import re

from django.apps import apps
from django.core.exceptions import (
    NON_FIELD_ERRORS,
    FieldDoesNotExist,
    ObjectDoesNotExist,
    ValidationError,
)
from django.core.management.base import CommandError
from taggit.models import Tag

from .fixture_scope import scope_problem
from .languages import known_languages
from .validators import bcp47_validator, validate_tag_name

STDIN = "-"
NOT_A_LIST = object()
SHOWN_CHARACTERS = 60


BIDI_CONTROLS = re.compile("[\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069]")


def shown(value) -> str:
    """A value as the fixture writes it (JSON), cut short if long."""
    text = json.dumps(value, ensure_ascii=False, default=str)
    # Bidi controls escaped like JSON's control characters: raw, they would reorder the message.
    text = BIDI_CONTROLS.sub(lambda found: f"\\u{ord(found.group()):04x}", text)
    if len(text) <= SHOWN_CHARACTERS:
        return text
    length = f" ({len(value)} characters)" if isinstance(value, str) else ""
    return f"{text[: SHOWN_CHARACTERS - 1]}…{length}"


def sentence(text: str) -> str:
    text = " ".join(str(text).split())
    return text if text.endswith((".", "?", "!")) else f"{text}."


class FixtureError(CommandError):
    """A refused fixture: the file, the object (its place in the file, model and natural key or
    primary key) and the problem, in one paragraph."""

    def __init__(self, problem, *, file=None, position=None, label=None, key=None):
        self.problem, self.file, self.position, self.label, self.key = (
            problem,
            file,
            position,
            label,
            key,
        )
        super().__init__(self.paragraph())

    def paragraph(self) -> str:
        if self.file is None:
            where = "Refused the fixtures"
        elif self.file == STDIN:
            where = "Refused the fixture read from standard input"
        else:
            where = f'Refused fixture "{self.file}"'
        if self.position is not None:
            named = " ".join(part for part in (self.label, self.key) if part)
            where += f", object {self.position}" + (f" ({named})" if named else "")
        return f"{where}: {sentence(self.problem)} Nothing was loaded."


class NamedByKey:
    """Stands in for a related object that the fixture names by its natural key."""

    def __init__(self, key):
        self.key = key

    def natural_key(self):
        return tuple(self.key)


def identity(instance, named_by_key=()) -> str | None:
    """How a fixture names an object: its natural key, else its primary key."""
    if hasattr(instance, "natural_key"):
        candidate = copy.copy(instance)
        for field, value in named_by_key:
            if isinstance(value, list | tuple):
                # The related object may not exist; its key is all natural_key() needs.
                candidate._state.fields_cache[field.name] = NamedByKey(value)
        try:
            return shown(list(candidate.natural_key()))
        except Exception:  # a key that cannot be made is left out of the message
            pass
    return None if instance.pk is None else f"pk={shown(instance.pk)}"


def raw_identity(model, raw: dict) -> str | None:
    """identity() of an object the deserializer could not build, from the fixture's own data."""
    instance, named_by_key = model(), []
    for name, value in (raw.get("fields") or {}).items():
        try:
            field = model._meta.get_field(name)
        except FieldDoesNotExist:
            continue
        if field.many_to_many or not field.concrete:
            continue
        if field.is_relation and isinstance(value, list | tuple):
            named_by_key.append((field, value))
            continue
        try:
            setattr(instance, field.attname, field.to_python(value))
        except (ValidationError, TypeError, ValueError):
            setattr(instance, field.attname, value)
    if raw.get("pk") is not None:
        instance.pk = raw["pk"]
    return identity(instance, named_by_key)


def missing(field, value, kind) -> str:
    related = field.remote_field.model._meta.label_lower
    return (
        f"its {field.name} {shown(value)} does not exist: there is no {related} with that "
        f"{kind} in the database or earlier in the file"
    )


def reference_problem(field, value, using, *, look_up_pks=False) -> str | None:
    """What is wrong with one reference (a foreign key's value, one item of a many-to-many)."""
    if value is None:
        return None
    related = field.remote_field.model
    manager = related._default_manager.db_manager(using)
    if isinstance(value, list | tuple) and hasattr(manager, "get_by_natural_key"):
        try:
            manager.get_by_natural_key(*value)
        except ObjectDoesNotExist:
            return missing(field, value, "natural key")
        except Exception as error:  # e.g. a key with the wrong number of parts
            return (
                f"its {field.name} {shown(value)} is not a natural key of "
                f"{related._meta.label_lower}: {error}"
            )
        return None
    target = field.target_field if not field.many_to_many else related._meta.pk
    try:
        pk = target.to_python(value)
    except ValidationError as error:
        return f"its {field.name} {shown(value)} is not a reference: {' '.join(error.messages)}"
    if look_up_pks and not related._base_manager.using(using).filter(pk=pk).exists():
        return missing(field, value, "primary key")
    return None


def references_problem(field, value, using, *, look_up_pks=False) -> str | None:
    if field.many_to_many:
        if not isinstance(value, list | tuple):
            return f"its {field.name} {shown(value)} is not a list"
        for item in value:
            if problem := reference_problem(field, item, using, look_up_pks=look_up_pks):
                return problem
        return None
    return reference_problem(field, value, using, look_up_pks=look_up_pks)


def diagnose(raw, using, ignore_nonexistent=False, restore=False) -> str | None:
    """What is wrong with an object of the fixture that the deserializer could not read."""
    if (
        not isinstance(raw, dict)
        or not isinstance(raw.get("model"), str)
        or not isinstance(raw.get("fields", {}), dict)
    ):
        return (
            'it is not a fixture object: each object needs a "model" such as "articles.article" '
            'and its "fields"'
        )
    try:
        model = apps.get_model(raw["model"])
    except (LookupError, ValueError):
        return f"unknown model {shown(raw['model'])}: this site has no such model"
    if problem := scope_problem(model, restore):
        return problem
    label = model._meta.label_lower
    many_to_many = []
    for name, value in raw.get("fields", {}).items():
        try:
            field = model._meta.get_field(name)
        except FieldDoesNotExist:
            if ignore_nonexistent:
                continue
            return f"{label} has no field {shown(name)}"
        if field.many_to_many:
            many_to_many.append((field, value))
        elif field.is_relation:
            if problem := references_problem(field, value, using):
                return problem
        else:
            try:
                field.to_python(value)
            except ValidationError as error:
                return f"invalid {name} {shown(value)}: {' '.join(error.messages)}"
    if "pk" in raw:
        try:
            model._meta.pk.to_python(raw["pk"])
        except ValidationError as error:
            return f"invalid pk {shown(raw['pk'])}: {' '.join(error.messages)}"
    # Last: a many-to-many reference may name an object later in the file, which is allowed.
    for field, value in many_to_many:
        if problem := references_problem(field, value, using):
            return problem
    return None


def innermost_message(error) -> str:
    """The message of the exception at the root of `error` (loaddata prefixes and wraps)."""
    while error.__cause__ is not None:
        error = error.__cause__
    text = re.sub(r"^Problem installing fixtures?( '[^']*')?: ", "", str(error))
    text = re.sub(r"^Error deserializing object: ", "", text)
    return text or type(error).__name__


def validation_problem(instance, error: ValidationError) -> str:
    problems = []
    for name, messages in error.message_dict.items():
        text = " ".join(sentence(message) for message in messages)
        if name == NON_FIELD_ERRORS:
            problems.append(text)
        else:
            field = instance._meta.get_field(name)
            problems.append(f"invalid {name} {shown(field.value_from_object(instance))}: {text}")
    return "; ".join(problems)


class FixtureCheck:
    """Checks the objects of one loaddata run as they are read, and explains what went wrong."""

    def __init__(self, using, *, ignore_nonexistent=False, restore=False):
        self.using = using
        self.ignore_nonexistent = ignore_nonexistent
        self.restore = restore  # a whole backup (--restore-backup): every model may load
        self.file = None
        self.format = None
        self.reopen = None
        self.position = 0  # objects read from the current file so far
        self.current = None  # the object being checked and saved, if any
        self.saved = {}  # (model, pk) -> position, for the current file

    # The command tells the check where it is.

    def start_file(self, path, format, reopen):
        self.file, self.format, self.reopen = path, format, reopen
        self.position, self.current, self.saved = 0, None, {}

    def end_files(self):
        self.file, self.current = None, None

    def refuse(self, problem, deserialized=None) -> FixtureError:
        key = None
        if deserialized is not None:
            try:
                key = identity(deserialized.object, deserialized.deferred_fields.items())
            except Exception:  # e.g. the transaction is already broken
                key = None
        return FixtureError(
            problem,
            file=self.file,
            position=self.position if deserialized is not None else None,
            label=deserialized.object._meta.label_lower if deserialized is not None else None,
            key=key,
        )

    def next_object(self, deserialized, *, validate=True):
        """Count the object read; refuse it unless it is valid (before it is saved)."""
        self.position += 1
        self.current = deserialized
        if validate:
            problem = self.problem(deserialized)
            if problem:
                raise self.refuse(problem, deserialized)

    def object_saved(self, deserialized):
        self.saved[(type(deserialized.object), deserialized.object.pk)] = self.position
        self.current = None

    def problem(self, deserialized) -> str | None:
        instance = deserialized.object
        model = type(instance)
        if problem := scope_problem(model, self.restore):
            return problem
        deferred = deserialized.deferred_fields or {}
        # A required reference the deserializer could not resolve: it is nowhere, since Django
        # can only resolve references to later objects for fields that may be empty.
        for field, value in deferred.items():
            if not field.many_to_many and not field.null:
                return references_problem(field, value, self.using) or missing(
                    field, value, "natural key"
                )
        for field in model._meta.concrete_fields:
            if field.primary_key or field.null or field in deferred:
                continue
            if getattr(instance, field.attname) is None:
                return f"the required field {shown(field.name)} is missing or null"
        if instance.pk is not None and (model, instance.pk) in self.saved:
            earlier = self.saved[(model, instance.pk)]
            return (
                f"object {earlier} of this file is already this {model._meta.label_lower}; "
                "a fixture names each object once"
            )
        for field in model._meta.concrete_fields:
            value = getattr(instance, field.attname)
            if isinstance(value, str) and "\x00" in value:
                return f"invalid {field.name} {shown(value)}: NUL characters are not allowed"
        if model is Tag:
            # taggit's model carries no validators; the desk's tag field checks this.
            try:
                validate_tag_name(instance.name)
            except ValidationError as error:
                return f"invalid name {shown(instance.name)}: {error.messages[0]}"
        candidate = copy.copy(instance)
        # Saved as an update of the row it names (by natural key or pk), so unique checks must
        # not count that row as a clash.
        candidate._state.adding = (
            instance.pk is None
            or not model._base_manager.using(self.using).filter(pk=instance.pk).exists()
        )
        derived = {
            f.name for f in model._meta.concrete_fields if not f.editable and f.has_default()
        }
        try:
            candidate.full_clean(exclude={f.name for f in deferred} | derived)
        except ValidationError as error:
            return validation_problem(candidate, error)
        return self.language_problem(instance)

    def language_problem(self, instance) -> str | None:
        for field in type(instance)._meta.concrete_fields:
            value = getattr(instance, field.attname)
            if bcp47_validator not in field.validators or not value:
                continue
            if value in known_languages():
                continue
            # The desk keeps a language it no longer offers on the text that has it.
            current = type(instance)._base_manager.using(self.using).filter(pk=instance.pk)
            if instance.pk is not None and current.filter(**{field.attname: value}).exists():
                continue
            return (
                f"unknown language {shown(value)} in {field.name}: the desk offers the BCP 47 "
                'tags of the languages Django knows, such as "en", "de" or "pt-BR"'
            )
        return None

    def deferred(self, deserialized) -> "LaterReferences":
        return LaterReferences(self, deserialized, self.file, self.position)

    # After an exception.

    def explain(self, error) -> FixtureError:
        """A FixtureError for an exception raised while loading, inside its transaction."""
        if self.file is None:
            # After every file was read: the database's final check of the references.
            return FixtureError(innermost_message(error))
        if self.current is not None:
            return self.refuse(f"the database refused it: {innermost_message(error)}", self.current)
        cause = error.__cause__
        if isinstance(cause, json.JSONDecodeError):
            return FixtureError(
                f"it is not valid JSON: {cause.msg} at line {cause.lineno}, column {cause.colno}",
                file=self.file,
            )
        if isinstance(cause, UnicodeDecodeError):
            return FixtureError(f"it is not UTF-8 text: {cause}", file=self.file)
        return self.explain_unread(error)

    def explain_unread(self, error) -> FixtureError:
        """The deserializer could not make the next object into a model instance."""
        position = self.position + 1
        raw = self.raw_object(position)
        problem = label = key = None
        if raw is NOT_A_LIST:
            return FixtureError(
                "a JSON fixture is a list of objects, and this file holds something else",
                file=self.file,
            )
        if raw is not None:
            try:
                problem = diagnose(raw, self.using, self.ignore_nonexistent, self.restore)
                model = apps.get_model(raw["model"])
                label, key = model._meta.label_lower, raw_identity(model, raw)
            except Exception:  # the plain message below still says what it was
                pass
        return FixtureError(
            problem or innermost_message(error),
            file=self.file,
            position=position,
            label=label,
            key=key,
        )

    def raw_object(self, position):
        """The `position`th object of the current JSON file as written, if it can be read again."""
        if self.format != "json" or self.reopen is None:
            return None
        try:
            with self.reopen() as stream:
                objects = json.loads(stream.read())
        except Exception:  # no second reading: the message says less, that's all
            return None
        if not isinstance(objects, list):
            return NOT_A_LIST
        if self.ignore_nonexistent:
            # The deserializer skips objects of unknown models without counting them.
            objects = [obj for obj in objects if not is_unknown_model(obj)]
        return objects[position - 1] if position <= len(objects) else None


def is_unknown_model(raw) -> bool:
    try:
        apps.get_model(raw["model"])
    except (LookupError, ValueError, KeyError, TypeError):
        return True
    return False


class LaterReferences:
    """An object whose references name objects later in the file, saved once all are loaded.

    Wraps Django's DeserializedObject in loaddata's list, so that a reference still missing at
    the end is reported with the object that makes it.
    """

    def __init__(self, check, deserialized, file, position):
        self.check, self.deserialized = check, deserialized
        self.file, self.position = file, position

    def save_deferred_fields(self, using=None):
        try:
            problem = None
            for field, value in self.deserialized.deferred_fields.items():
                problem = problem or references_problem(field, value, using, look_up_pks=True)
            if problem is None:
                self.deserialized.save_deferred_fields(using=using)
                return
        except Exception as error:  # explained below with the object that failed
            problem = f"the database refused it: {innermost_message(error)}"
        self.check.file, self.check.position = self.file, self.position
        raise self.check.refuse(problem, self.deserialized)
