"""The libraries' apps as editors see them on the desk's dashboard: named for what they do
("Login protection", not "Axes"). Everything else about each app is the library's own."""

from axes.apps import AppConfig as AxesConfig
from django.utils.translation import gettext_lazy as _
from django_tasks_db.apps import TasksAppConfig
from taggit.apps import TaggitAppConfig


class TagsConfig(TaggitAppConfig):
    verbose_name = _("Tags")


class LoginProtectionConfig(AxesConfig):
    verbose_name = _("Login protection")


class BackgroundJobsConfig(TasksAppConfig):
    verbose_name = _("Background jobs")
