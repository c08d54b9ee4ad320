"""Django's loaddata, with every object checked like an edit at the desk (see articles/fixtures.py).

A broken or hostile fixture is refused as a whole: one paragraph names the file, the object and
the problem (no traceback unless --traceback), the exit status is 1, and the database is left as
it was. Fixtures load content; --restore-backup restores a whole backup, accounts included, into
an emptied database (README, "Backups").
"""

import os

from django.core.management.base import CommandError
from django.core.management.commands import loaddata
from django.db import router
from django.utils.functional import cached_property

from ...fixture_scope import restore_problem
from ...fixtures import STDIN, FixtureCheck, FixtureError
from ...media.library import record_loaded_uses


class Command(loaddata.Command):
    help = (
        "Installs the named fixture(s) in the database, each object validated as the admin "
        "validates an edit. A broken fixture loads nothing and says which file, which object "
        "and what is wrong."
    )

    def add_arguments(self, parser):
        super().add_arguments(parser)
        parser.add_argument(
            "--restore-backup",
            action="store_true",
            help=(
                "Restore a whole backup made with dumpdata --all (accounts, groups, share "
                "links, the History) into an emptied database. Without it, only content loads: "
                "articles, translations, sections, authors, bylines, tags, corrections and old "
                "addresses."
            ),
        )

    def handle(self, *fixture_labels, **options):
        restore = options["restore_backup"]
        self.check = FixtureCheck(
            options["database"], ignore_nonexistent=options["ignore"], restore=restore
        )
        if restore and (problem := restore_problem(options["database"])):
            raise FixtureError(problem)
        self.loaded = set()  # (model, pk) of every object saved, in every file
        super().handle(*fixture_labels, **options)

    def loaddata(self, fixture_labels):
        # Runs inside the command's transaction: explain() may still look at what was loaded.
        try:
            super().loaddata(fixture_labels)
            record_loaded_uses(self.loaded)
        except CommandError:
            raise
        except Exception as error:
            raise self.check.explain(error) from error

    def load_label(self, fixture_label):
        super().load_label(fixture_label)
        self.check.end_files()

    @cached_property
    def compression_formats(self):
        # Opening a fixture file is the one moment loaddata tells which file it reads next.
        return {
            name: (self.opener(open_file), mode)
            for name, (open_file, mode) in loaddata.Command.compression_formats.func(self).items()
        }

    def opener(self, open_file):
        def open_fixture(path, *args):
            _name, format, _compression = self.parse_name(os.path.basename(path))
            reopen = None if path == STDIN else (lambda: open_file(path, *args))
            self.check.start_file(path, format, reopen)
            return open_file(path, *args)

        return open_fixture

    def save_obj(self, obj):
        self.check.next_object(obj, validate=self.will_save(obj))
        saved = super().save_obj(obj)
        self.check.object_saved(obj)
        self.loaded.add((type(obj.object), obj.object.pk))
        if obj.deferred_fields:
            self.objs_with_deferred_fields[-1] = self.check.deferred(obj)
        return saved

    def will_save(self, obj):
        """loaddata's own test in save_obj: not excluded, and this database takes the model."""
        model = type(obj.object)
        return (
            model._meta.app_config not in self.excluded_apps
            and model not in self.excluded_models
            and router.allow_migrate_model(self.using, model)
        )
