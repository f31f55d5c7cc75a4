"""docker-compose.yml: the application is reached only through the one HTTPS proxy it
trusts. Read as text (no YAML library among the dependencies): the file keeps the plain
two-space layout these helpers expect, and a test fails if it does not."""

import re
from pathlib import Path

from django.conf import settings

COMPOSE = settings.BASE_DIR / "docker-compose.yml"
CADDYFILE = settings.BASE_DIR / "Caddyfile"


def blocks(lines: list[str], indent: int) -> dict[str, list[str]]:
    """The keys at `indent` spaces and the lines below each, up to the next such key; a
    value on the key's own line comes first ("image: caddy:…" → ["caddy:…"])."""
    found: dict[str, list[str]] = {}
    current = None
    for line in lines:
        if not line.strip() or line.lstrip().startswith("#"):
            continue
        depth = len(line) - len(line.lstrip())
        key = re.match(r"([\w-]+):(.*)", line.strip())
        if depth == indent and key:
            current = key.group(1)
            found[current] = [key.group(2)] if key.group(2).strip() else []
        elif depth < indent:
            current = None
        elif current is not None:
            found[current].append(line)
    return found


def compose_services(path: Path = COMPOSE) -> dict[str, dict[str, list[str]]]:
    top = blocks(path.read_text().splitlines(), 0)
    services = blocks(top["services"], 2)
    return {name: blocks(lines, 4) for name, lines in services.items()}


def values(lines: list[str]) -> list[str]:
    return [line.strip().removeprefix("- ").strip("\"'") for line in lines]


def test_only_the_proxy_publishes_a_port_and_the_application_is_exposed_to_it_alone():
    services = compose_services()

    published = [name for name, keys in services.items() if "ports" in keys]
    assert published == ["proxy"]
    assert "ports" not in services["web"]
    assert values(services["web"]["expose"]) == ["8000"]
    top = blocks(COMPOSE.read_text().splitlines(), 0)
    networks = blocks(top["networks"], 2)
    internal = [name for name, lines in networks.items() if "internal: true" in values(lines)]
    assert internal and set(values(services["web"]["networks"])) & set(internal)
    assert set(values(services["proxy"]["networks"])) & set(internal)


def test_the_proxy_is_caddy_at_a_pinned_version_doing_https_for_the_site_address():
    proxy = compose_services()["proxy"]

    [image] = values(proxy["image"])
    assert re.fullmatch(r"caddy:\d+\.\d+\.\d+(-alpine)?", image), image
    assert "./Caddyfile:/etc/caddy/Caddyfile:ro" in values(proxy["volumes"])
    caddyfile = CADDYFILE.read_text()
    assert "{$SITE_ADDRESS} {" in caddyfile
    assert "reverse_proxy web:8000" in caddyfile
    assert "header_up X-Forwarded-For {remote_host}" in caddyfile
    assert "header_up X-Forwarded-Proto {scheme}" in caddyfile


def test_the_application_trusts_exactly_the_one_proxy_in_front_of_it():
    services = compose_services()
    proxies = [name for name, keys in services.items() if "ports" in keys]

    environment = dict(
        line.strip().split(":", 1) for line in services["web"]["environment"] if ":" in line
    )
    assert environment["TRUSTED_PROXY_COUNT"].strip().strip("\"'") == str(len(proxies)) == "1"
