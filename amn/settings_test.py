"""Settings for the test suite: the production settings with a test-only secret."""

import os

os.environ.setdefault("SECRET_KEY", "test-only-secret-key")
os.environ.setdefault("SECURE_COOKIES", "0")
# The test client and the browser tests' live server speak plain HTTP.
os.environ.setdefault("SECURE_SSL_REDIRECT", "0")

from amn.settings import *  # noqa: F403

PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
STORAGES["staticfiles"]["BACKEND"] = "django.contrib.staticfiles.storage.StaticFilesStorage"  # noqa: F405
LEDGER_IMPORT_IN_BACKGROUND = False
