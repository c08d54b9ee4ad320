from django.apps import AppConfig
from django.core.checks import Tags, register
from django.db.models.signals import post_migrate
from django.utils.translation import gettext_lazy as _


class ArticlesConfig(AppConfig):
    name = "articles"
    verbose_name = _("Newsroom")
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self):
        from newsroom.checkout import check_secret_key

        from . import roles, signals  # noqa: F401
        from .editorial import revisions  # noqa: F401

        register(check_secret_key, Tags.security, deploy=True)
        # For this app's signal only, so once per `migrate`; why not after `flush`: see there.
        post_migrate.connect(
            roles.sync_roles_after_migrate, sender=self, dispatch_uid="articles.roles"
        )
