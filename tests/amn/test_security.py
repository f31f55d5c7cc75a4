"""Security of the whole application: production settings, headers, logins, sessions and
passwords."""

import secrets
import subprocess
import sys
from datetime import timedelta

import pytest
from axes.models import AccessAttempt
from django.contrib.sessions.models import Session
from django.utils import timezone

from tests.amn.test_settings import run_with_production_settings

PASSWORD = "ett-långt-och-bra-lösenord"


def run_deploy_check(**env: str) -> subprocess.CompletedProcess:
    """`manage.py check --deploy --fail-level WARNING` with the production settings and
    the environment a production installation sets."""
    return run_with_production_settings(
        [sys.executable, "manage.py", "check", "--deploy", "--fail-level", "WARNING"],
        **{"SECRET_KEY": secrets.token_urlsafe(50), "ALLOWED_HOSTS": "amn.linkoping.se", **env},
    )


def test_production_settings_pass_the_deploy_check():
    result = run_deploy_check()

    assert result.returncode == 0, result.stdout + result.stderr
    assert "no issues" in result.stdout


@pytest.mark.parametrize(
    ("env", "warning"),
    [
        ({"SECURE_COOKIES": "0"}, "security.W012"),
        ({"SECURE_SSL_REDIRECT": "0"}, "security.W008"),
        ({"SECURE_HSTS_SECONDS": "0"}, "security.W004"),
    ],
)
def test_the_deploy_check_fails_when_a_protection_is_switched_off(env, warning):
    result = run_deploy_check(**env)

    assert result.returncode != 0
    assert warning in result.stdout + result.stderr


def test_plain_http_is_redirected_to_https_and_https_answers_with_hsts(client, settings):
    settings.SECURE_SSL_REDIRECT = True
    settings.SECURE_HSTS_SECONDS = 31_536_000

    plain = client.get("/logga-in/")
    secure = client.get("/logga-in/", secure=True)

    assert plain.status_code == 301
    assert plain["Location"] == "https://testserver/logga-in/"
    assert secure.status_code == 200
    assert secure["Strict-Transport-Security"] == ("max-age=31536000; includeSubDomains; preload")


def test_every_page_forbids_inline_scripts_and_other_origins(client):
    response = client.get("/logga-in/")

    policy = response["Content-Security-Policy"]
    directives = dict(part.strip().split(" ", 1) for part in policy.split(";"))
    assert directives["script-src"] == "'self'"
    assert directives["style-src"] == "'self'"
    assert directives["default-src"] == "'self'"
    assert directives["frame-ancestors"] == "'none'"
    assert directives["object-src"] == "'none'"
    assert "unsafe-inline" not in policy
    assert response["X-Frame-Options"] == "DENY"
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["Referrer-Policy"] == "same-origin"


# Logins ----------------------------------------------------------------------------------


@pytest.fixture
def reader(django_user_model):
    return django_user_model.objects.create_user("inloggning", password=PASSWORD)


def log_in(client, username: str, password: str):
    return client.post("/logga-in/", {"username": username, "password": password})


def test_a_right_password_logs_in(client, reader):
    response = log_in(client, "inloggning", PASSWORD)

    assert response.status_code == 302
    assert client.session["_auth_user_id"] == str(reader.pk)


def test_a_wrong_password_is_refused_in_swedish(client, reader):
    response = log_in(client, "inloggning", "fel")

    assert response.status_code == 200
    assert "Fel användarnamn eller lösenord" in response.content.decode()
    assert "_auth_user_id" not in client.session


def test_five_wrong_passwords_lock_the_username_even_for_the_right_password(
    client, reader, settings
):
    for _ in range(settings.AXES_FAILURE_LIMIT):
        log_in(client, "inloggning", "gissning")

    response = log_in(client, "inloggning", PASSWORD)

    assert response.status_code == 429
    text = response.content.decode()
    assert "För många misslyckade inloggningar" in text
    assert f"efter {settings.AXES_FAILURE_LIMIT} misslyckade" in text
    minutes = int(settings.AXES_COOLOFF_TIME.total_seconds() // 60)
    assert f"Försök igen om {minutes} minuter" in text
    assert "_auth_user_id" not in client.session


def test_a_locked_username_does_not_lock_out_other_users_elsewhere(
    client, reader, django_user_model
):
    django_user_model.objects.create_user("kollega", password=PASSWORD)
    for _ in range(5):
        log_in(client, "inloggning", "gissning")

    response = client.post(
        "/logga-in/", {"username": "kollega", "password": PASSWORD}, REMOTE_ADDR="10.0.0.2"
    )

    assert response.status_code == 302


def test_one_password_tried_on_many_usernames_locks_the_address(client, reader, settings):
    for number in range(settings.LOGIN_ADDRESS_FAILURE_LIMIT):
        log_in(client, f"anvandare{number}", "Sommar2026!")

    from_there = log_in(client, "inloggning", PASSWORD)
    from_elsewhere = client.post(
        "/logga-in/", {"username": "inloggning", "password": PASSWORD}, REMOTE_ADDR="10.0.0.2"
    )

    assert from_there.status_code == 429
    assert from_elsewhere.status_code == 302


def test_logging_in_as_oneself_gives_back_no_guesses_at_another_account(
    client, reader, django_user_model, settings
):
    django_user_model.objects.create_user("angripare", password="angriparens-eget-lösenord")
    for _ in range(2):
        for _ in range(settings.AXES_FAILURE_LIMIT - 1):
            log_in(client, "inloggning", "gissning")
        assert log_in(client, "angripare", "angriparens-eget-lösenord").status_code == 302
        client.logout()

    response = log_in(client, "inloggning", PASSWORD)

    assert response.status_code == 429
    assert "_auth_user_id" not in client.session


def test_an_attacker_at_one_address_cannot_lock_the_victim_out_elsewhere(client, reader, settings):
    for _ in range(settings.LOGIN_USERNAME_FAILURE_LIMIT):
        client.post(
            "/logga-in/",
            {"username": "inloggning", "password": "gissning"},
            REMOTE_ADDR="203.0.113.66",
        )

    attacker = client.post(
        "/logga-in/", {"username": "inloggning", "password": PASSWORD}, REMOTE_ADDR="203.0.113.66"
    )
    victim = client.post(
        "/logga-in/", {"username": "inloggning", "password": PASSWORD}, REMOTE_ADDR="10.0.0.2"
    )

    assert attacker.status_code == 429
    assert victim.status_code == 302


def guess_from(client, address: str, times: int, user_agent: str = "") -> None:
    for _ in range(times):
        client.post(
            "/logga-in/",
            {"username": "inloggning", "password": "gissning"},
            REMOTE_ADDR=address,
            HTTP_USER_AGENT=user_agent,
        )


def test_guessing_spread_over_many_addresses_locks_the_username_everywhere(
    client, reader, settings
):
    per_address = settings.AXES_FAILURE_LIMIT
    addresses = settings.LOGIN_USERNAME_FAILURE_LIMIT // per_address
    # One address counts at most its own limit, however many user agents it claims.
    for agent in range(addresses):
        guess_from(client, "203.0.113.1", per_address, user_agent=f"agent {agent}")
    for number in range(2, addresses):
        guess_from(client, f"203.0.113.{number}", per_address)

    one_short = log_in_from(client, "10.0.0.2")
    client.logout()
    guess_from(client, f"203.0.113.{addresses}", per_address)
    enough = log_in_from(client, "10.0.0.3")

    assert one_short.status_code == 302
    assert enough.status_code == 429


def log_in_from(client, address: str):
    return client.post(
        "/logga-in/", {"username": "inloggning", "password": PASSWORD}, REMOTE_ADDR=address
    )


def test_behind_the_proxy_the_client_address_is_counted_not_the_proxys(client, reader, settings):
    settings.TRUSTED_PROXY_COUNT = 1
    for number in range(settings.LOGIN_ADDRESS_FAILURE_LIMIT):
        client.post(
            "/logga-in/",
            {"username": f"anvandare{number}", "password": "fel"},
            REMOTE_ADDR="10.0.0.1",
            HTTP_X_FORWARDED_FOR="1.2.3.4, 203.0.113.7",
        )

    colleague = client.post(
        "/logga-in/",
        {"username": "inloggning", "password": PASSWORD},
        REMOTE_ADDR="10.0.0.1",
        HTTP_X_FORWARDED_FOR="198.51.100.9",
    )
    attacker = client.post(
        "/logga-in/",
        {"username": "inloggning", "password": PASSWORD},
        REMOTE_ADDR="10.0.0.1",
        HTTP_X_FORWARDED_FOR="9.9.9.9, 203.0.113.7",
    )

    assert colleague.status_code == 302
    assert attacker.status_code == 429


def test_the_lock_lifts_after_the_cooloff_time(client, reader, settings):
    for _ in range(settings.AXES_FAILURE_LIMIT):
        log_in(client, "inloggning", "gissning")
    AccessAttempt.objects.filter(username="inloggning").update(
        attempt_time=timezone.now() - settings.AXES_COOLOFF_TIME - timedelta(minutes=1)
    )

    assert log_in(client, "inloggning", PASSWORD).status_code == 302


def test_a_successful_login_clears_the_count_of_failures(client, reader, settings):
    for _ in range(settings.AXES_FAILURE_LIMIT - 1):
        log_in(client, "inloggning", "gissning")
    assert log_in(client, "inloggning", PASSWORD).status_code == 302
    client.logout()

    for _ in range(settings.AXES_FAILURE_LIMIT - 1):
        log_in(client, "inloggning", "gissning")

    assert log_in(client, "inloggning", PASSWORD).status_code == 302


# Sessions --------------------------------------------------------------------------------


def test_a_session_lasts_at_most_a_working_day_and_ends_with_the_browser(client, reader):
    log_in(client, "inloggning", PASSWORD)

    assert client.session.get_expiry_age() <= 8 * 3600
    assert client.session.get_expire_at_browser_close()
    assert "expires" not in client.cookies["sessionid"].output().lower()


def test_an_expired_session_must_log_in_again(client, reader):
    log_in(client, "inloggning", PASSWORD)
    assert client.get("/").status_code == 200
    Session.objects.filter(session_key=client.session.session_key).update(
        expire_date=timezone.now() - timedelta(seconds=1)
    )

    response = client.get("/")

    assert response.status_code == 302
    assert response["Location"].startswith("/logga-in/")


# Passwords -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("new_password", "message"),
    [
        ("kort1", "för kort"),
        ("12345678901234", "enbart numeriskt"),
        ("password123456", "för vanligt"),
        ("inloggning2024", "för likt"),
    ],
)
def test_a_weak_new_password_is_refused_with_the_reason(client, reader, new_password, message):
    client.force_login(reader)

    response = client.post(
        "/konto/losenord/",
        {"old_password": PASSWORD, "new_password1": new_password, "new_password2": new_password},
    )

    assert response.status_code == 200
    assert message in response.content.decode()
    reader.refresh_from_db()
    assert reader.check_password(PASSWORD)


def test_a_strong_new_password_replaces_the_old_one(client, reader):
    client.force_login(reader)

    response = client.post(
        "/konto/losenord/",
        {
            "old_password": PASSWORD,
            "new_password1": "Blåbärssoppa i Vasaloppet",
            "new_password2": "Blåbärssoppa i Vasaloppet",
        },
    )

    assert response.status_code == 302
    reader.refresh_from_db()
    assert reader.check_password("Blåbärssoppa i Vasaloppet")


def test_guessing_through_the_admin_login_locks_the_username_too(client, reader, settings):
    for _ in range(settings.AXES_FAILURE_LIMIT):
        client.post("/admin/login/", {"username": "inloggning", "password": "gissning"})

    response = log_in(client, "inloggning", PASSWORD)

    assert response.status_code == 429


def test_the_addresses_of_one_ipv6_64_count_as_one_address(client, reader, settings):
    per_address = settings.AXES_FAILURE_LIMIT
    for number in range(1, settings.LOGIN_USERNAME_FAILURE_LIMIT // per_address + 1):
        guess_from(client, f"2001:db8:1:2::{number:x}", per_address)

    same_64 = log_in_from(client, "2001:db8:1:2:ffff:ffff:ffff:ffff")
    victim = log_in_from(client, "2001:db8:1:3::1")

    assert same_64.status_code == 429
    assert victim.status_code == 302
