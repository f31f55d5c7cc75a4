"""The admin app with this project's site (amn.admin_site), kept apart from it because
INSTALLED_APPS imports this module before any model can be."""

from django.contrib.admin.apps import AdminConfig


class AmnAdminConfig(AdminConfig):
    default_site = "amn.admin_site.AmnAdminSite"
