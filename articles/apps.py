from django.apps import AppConfig
from django.contrib.admin import apps as admin_apps
from django.core.checks import Tags, register
from django.db.models.signals import post_migrate
from django.utils.translation import gettext_lazy as _


class DeskAdminConfig(admin_apps.AdminConfig):
    """django.contrib.admin, with the desk's site (admin_site.py) as admin.site; named in
    INSTALLED_APPS in its place."""

    default = False  # the articles app's own configuration is ArticlesConfig
    default_site = "articles.admin_site.DeskSite"


class ArticlesConfig(AppConfig):
    name = "articles"
    verbose_name = _("Newsroom")
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self):
        from newsroom.checkout import check_secret_key

        from . import notifications, roles, signals  # noqa: F401
        from .editorial import revisions  # noqa: F401

        register(check_secret_key, Tags.security, deploy=True)
        # For this app's signal only, so once per `migrate`; why not after `flush`: see there.
        post_migrate.connect(
            roles.sync_roles_after_migrate, sender=self, dispatch_uid="articles.roles"
        )
