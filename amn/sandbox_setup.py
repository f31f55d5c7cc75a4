"""Imported once in the forkserver that reads uploaded files (amn.lib.sandbox): Django set
up with no database, so that a reader may use the apps' modules while a reading process
cannot touch a database connection (any query raises ImproperlyConfigured)."""

import django
from django.conf import settings

settings.DATABASES = {"default": {"ENGINE": "django.db.backends.dummy"}}
django.setup()
