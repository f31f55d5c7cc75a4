import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


# What the test run sets for itself and a production installation sets its own way.
TEST_ENVIRONMENT = {"SECRET_KEY", "ALLOWED_HOSTS", "DATABASE_URL", "DJANGO_ALLOW_ASYNC_UNSAFE"}
TEST_ENVIRONMENT_PREFIXES = ("SECURE_", "SESSION_", "DEBUG", "DJANGO_SETTINGS_MODULE")


def run_with_production_settings(command: list[str], **env: str) -> subprocess.CompletedProcess:
    """`command` in the project folder with amn.settings and only `env` of the settings'
    environment, not the test run's."""
    environment = {
        key: value
        for key, value in os.environ.items()
        if key not in TEST_ENVIRONMENT and not key.startswith(TEST_ENVIRONMENT_PREFIXES)
    }
    environment |= {"DJANGO_SETTINGS_MODULE": "amn.settings", **env}
    return subprocess.run(
        command, cwd=ROOT, env=environment, capture_output=True, text=True, timeout=120
    )


def start_django(**env: str) -> subprocess.CompletedProcess:
    return run_with_production_settings(
        [sys.executable, "-c", "import django; django.setup()"], **env
    )


def test_it_refuses_to_start_without_secret_key_when_not_in_debug():
    result = start_django(DEBUG="0")

    assert result.returncode != 0
    assert "SECRET_KEY is not set" in result.stderr


def test_it_starts_with_a_secret_key():
    assert start_django(DEBUG="0", SECRET_KEY="a-real-secret").returncode == 0


def test_debug_alone_gives_a_development_key():
    assert start_django(DEBUG="1").returncode == 0


def test_it_refuses_a_debug_value_it_cannot_read():
    result = start_django(DEBUG="maybe", SECRET_KEY="x")

    assert result.returncode != 0
    assert "DEBUG must be a boolean" in result.stderr


def test_it_speaks_swedish_in_stockholm_time():
    from django.conf import settings

    assert settings.LANGUAGE_CODE == "sv"
    assert settings.TIME_ZONE == "Europe/Stockholm"
    assert settings.USE_THOUSAND_SEPARATOR
