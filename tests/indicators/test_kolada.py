"""Fetching indicator values from Kolada: the command, the button and the peer comparison.

Kolada is played by a small HTTP server on 127.0.0.1 serving recorded answers
(tests/indicators/kolada/), so the real client with its paging, retries and time-outs is
what is tested.
"""

import json
import socket
import threading
from decimal import Decimal
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from io import StringIO
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import pytest
from django.contrib.messages import get_messages
from django.core.management import CommandError, call_command
from django.template.loader import render_to_string
from django.test import RequestFactory
from django.urls import reverse

from amn.models import Change, ChangeSource
from indicators.models import Indicator, IndicatorValue, KoladaValue, Origin, ValueKind
from indicators.services.kolada_fetch import fetch_kolada_values
from indicators.services.kolada_peers import peer_comparison

RECORDED = Path(__file__).parent / "kolada"
SFI = "Elever på SFI som klarat minst två kurser, av nybörjare två år tidigare, andel (%)"
DATA_PATH = "/v3/data/kpi/N18409/municipality/0580,0581,1480,0000/year/2021,2022,2023"
OWN_ONLY_PATH = "/v3/data/kpi/N18409/municipality/0580,0000/year/2021,2022,2023"


class Answer:
    def __init__(self, status: int = 200, body: str = "", delay: float = 0) -> None:
        self.status, self.body, self.delay = status, body, delay


class FakeKolada:
    """What the test server answers: per path and page a list of answers given in turn
    (the last one again and again), and every address asked for."""

    def __init__(self) -> None:
        self.base_url = ""
        self.answers: dict[tuple[str, str], list[Answer]] = {}
        self.asked: list[str] = []
        self.release = threading.Event()

    def serve(self, path: str, *answers: Answer, page: int = 1) -> None:
        self.answers[(path, str(page))] = list(answers)

    def serve_recorded(self, path: str, name: str, page: int = 1) -> None:
        body = (RECORDED / name).read_text(encoding="utf-8")
        self.serve(path, Answer(body=body.replace("{base_url}", self.base_url)), page=page)

    def answer_for(self, address: str) -> Answer:
        self.asked.append(address)
        parts = urlsplit(address)
        page = parse_qs(parts.query).get("page", ["1"])[0]
        queue = self.answers.get((parts.path, page))
        if not queue:
            return Answer(404, json.dumps({"error": "not recorded"}))
        return queue.pop(0) if len(queue) > 1 else queue[0]


def handler_for(kolada: FakeKolada) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            answer = kolada.answer_for(self.path)
            if answer.delay and kolada.release.wait(answer.delay):
                return  # the test is over; nobody is listening any more
            body = answer.body.encode("utf-8")
            try:
                self.send_response(answer.status)
                self.send_header("Content-Type", "application/json; charset=utf-8")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)
            except OSError:
                pass  # the client gave up waiting (the time-out test)

        def log_message(self, format: str, *args) -> None:
            pass

    return Handler


@pytest.fixture
def kolada(settings, monkeypatch):
    monkeypatch.setenv("NO_PROXY", "127.0.0.1,localhost")
    fake = FakeKolada()
    server = ThreadingHTTPServer(("127.0.0.1", 0), handler_for(fake))
    thread = threading.Thread(target=server.serve_forever, args=(0.05,), daemon=True)
    thread.start()
    fake.base_url = f"http://127.0.0.1:{server.server_address[1]}/v3"
    settings.KOLADA_BASE_URL = fake.base_url
    settings.KOLADA_TIMEOUT_SECONDS = 5
    settings.KOLADA_RETRIES = 2
    yield fake
    fake.release.set()
    server.shutdown()
    server.server_close()
    thread.join(timeout=5)


@pytest.fixture
def with_peers(amn):
    amn.municipality.peer_kolada_ids = "0581, 1480"
    amn.municipality.save()
    return amn


@pytest.fixture
def kolada_with_peers(kolada, with_peers):
    kolada.serve_recorded(DATA_PATH, "n18409_page1.json")
    kolada.serve_recorded(DATA_PATH, "n18409_page2.json", page=2)
    return kolada


@pytest.fixture
def kolada_without_split(kolada, amn):
    kolada.serve_recorded(OWN_ONLY_PATH, "n18409_total_only.json")
    return kolada


def sfi(amn) -> Indicator:
    return Indicator.objects.get(committee=amn, name=SFI)


def full_year(amn, label: str, year: int) -> IndicatorValue | None:
    return IndicatorValue.objects.filter(
        series__indicator=sfi(amn), series__label=label, year=year, month=12, kind="outcome"
    ).first()


def fetch(*arguments: str) -> str:
    out = StringIO()
    call_command("fetch_kolada", *arguments, stdout=out)
    return out.getvalue()


def closed_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def database_state() -> tuple:
    return (
        list(KoladaValue.objects.values_list("kpi", "municipality", "year", "gender", "value")),
        list(
            IndicatorValue.objects.order_by("pk").values_list(
                "series_id", "year", "month", "value", "missing", "origin"
            )
        ),
    )


def test_the_demo_sfi_indicator_names_its_kolada_kpi(amn):
    assert sfi(amn).kolada_kpi == "N18409"
    assert sfi(amn).person_based


# The command


def test_fetched_values_land_in_totalt_kvinnor_and_man_as_kolada_outcomes(kolada_with_peers, amn):
    fetch("--committee", "AMN", "--year", "2023")

    for label, expected in (("Totalt", "35.2"), ("Kvinnor", "42.1"), ("Män", "28.0")):
        value = full_year(amn, label, 2023)
        assert value.value == Decimal(expected)
        assert value.origin == Origin.KOLADA
        assert value.kind == ValueKind.OUTCOME
        assert value.decimals == 1
        assert not value.missing


def test_fetched_values_are_kept_in_the_history(kolada_with_peers, amn):
    fetch("--committee", "AMN", "--year", "2023")

    change = Change.objects.get(
        source=ChangeSource.KOLADA, subject__endswith="– Kvinnor", field="värde helår 2023"
    )
    assert (change.old, change.new) == ("", "42,1")


def test_every_page_kolada_answers_with_is_followed(kolada_with_peers, amn):
    output = fetch("--committee", "AMN", "--year", "2023")

    assert [urlsplit(address).query for address in kolada_with_peers.asked] == [
        "per_page=5000",
        "page=2&per_page=5000",
    ]
    # Riket is only on the second page.
    assert KoladaValue.objects.get(kpi="N18409", municipality="0000", year=2023, gender="T")
    assert "Hämtade 30 värden från Kolada (1 nyckeltal, 2021–2023)" in output
    assert "för Linköpings kommun, 2 jämförelsekommuner och riket" in output


def test_values_entered_by_hand_are_kept_and_named_in_the_summary(kolada_with_peers, amn):
    full_year_2021 = full_year(amn, "Totalt", 2021)
    full_year_2021.value = Decimal("30.0")
    full_year_2021.save()

    output = fetch("--committee", "AMN", "--year", "2023")

    kept = full_year(amn, "Totalt", 2021)
    assert (kept.value, kept.origin) == (Decimal("30.0"), Origin.MANUAL)
    assert f"Inte överskrivet, värdena är inmatade för hand: {SFI} – Totalt 2021–2022." in output
    assert f"{SFI} – Kvinnor 2021–2022" in output
    assert "3 nya, 0 ändrade, 0 oförändrade, 6 inte överskrivna" in output
    assert "Kör med --overwrite" in output


def test_overwrite_replaces_values_entered_by_hand(kolada_with_peers, amn):
    full_year_2021 = full_year(amn, "Totalt", 2021)
    full_year_2021.value = Decimal("30.0")
    full_year_2021.save()

    output = fetch("--committee", "AMN", "--year", "2023", "--overwrite")

    replaced = full_year(amn, "Totalt", 2021)
    assert (replaced.value, replaced.origin) == (Decimal("33.8"), Origin.KOLADA)
    assert full_year(amn, "Män", 2022).origin == Origin.KOLADA
    assert "Inte överskrivet" not in output


def test_a_second_fetch_changes_nothing(kolada_with_peers, amn):
    fetch("--committee", "AMN", "--year", "2023")
    before = database_state()

    output = fetch("--committee", "AMN", "--year", "2023")

    assert database_state() == before
    assert "0 nya, 0 ändrade, 3 oförändrade" in output


def test_a_value_kolada_has_not_got_is_stored_as_iu_with_a_note(kolada_without_split, amn):
    fetch("--committee", "AMN", "--year", "2023")

    missing = full_year(amn, "Totalt", 2023)
    assert missing.missing
    assert missing.value is None
    assert missing.origin == Origin.KOLADA
    assert missing.note == "Kolada har inget värde för 2023"
    assert missing.display == "I.U."


def test_a_person_based_indicator_without_women_and_men_in_kolada_is_flagged(
    kolada_without_split, amn
):
    output = fetch("--committee", "AMN", "--year", "2023")

    assert f"{SFI}: saknar uppdelning på kvinnor och män." in output
    assert full_year(amn, "Kvinnor", 2023) is None


def test_missing_kvinnor_and_man_series_are_created_when_kolada_has_the_split(
    kolada_with_peers, amn
):
    sfi(amn).series.exclude(label="Totalt").delete()

    output = fetch("--committee", "AMN", "--year", "2023")

    women = sfi(amn).series.get(label="Kvinnor")
    assert (women.gender, full_year(amn, "Kvinnor", 2021).value) == ("K", Decimal("40.0"))
    assert sfi(amn).series.get(label="Män").gender == "M"
    assert f"Ny delserie Kvinnor för {SFI}." in output


def test_a_peer_id_that_is_not_four_digits_is_skipped_and_named(kolada_with_peers, amn):
    amn.municipality.peer_kolada_ids = "0581, Norrköping, 1480"
    amn.municipality.save()

    output = fetch("--committee", "AMN", "--year", "2023")

    assert "Jämförelsekommunen ”Norrköping” är inget Kolada-id (fyra siffror)" in output
    assert KoladaValue.objects.filter(municipality="1480").exists()


def test_a_nämnd_without_kolada_kpis_asks_kolada_nothing(kolada, amn):
    Indicator.objects.filter(committee=amn).update(kolada_kpi="")

    output = fetch("--committee", "AMN", "--year", "2023")

    assert "har inga indikatorer med giltigt Kolada-nyckeltal; ingenting hämtades." in output
    assert kolada.asked == []


def test_a_temporary_server_error_is_tried_again(kolada, amn):
    body = (RECORDED / "n18409_total_only.json").read_text(encoding="utf-8")
    kolada.serve(OWN_ONLY_PATH, Answer(503, "Service Unavailable"), Answer(body=body))

    fetch("--committee", "AMN", "--year", "2023")

    assert len(kolada.asked) == 2
    assert KoladaValue.objects.filter(kpi="N18409", municipality="0580").count() == 3


def test_a_kolada_that_keeps_failing_names_the_error_it_gave(settings, kolada, amn):
    kolada.serve(OWN_ONLY_PATH, Answer(503, "Service Unavailable"))
    settings.KOLADA_RETRIES = 1

    with pytest.raises(CommandError, match=r"Kolada svarade med ett serverfel \(HTTP 503\)"):
        fetch("--committee", "AMN", "--year", "2023")

    assert len(kolada.asked) == 2


def test_unreachable_kolada_gives_a_clear_swedish_error_and_stores_nothing(settings, amn):
    settings.KOLADA_BASE_URL = f"http://127.0.0.1:{closed_port()}/v3"
    settings.KOLADA_RETRIES = 0
    before = database_state()

    with pytest.raises(CommandError) as refusal:
        fetch("--committee", "AMN", "--year", "2023")

    assert str(refusal.value) == (
        f"Kolada kunde inte nås ({settings.KOLADA_BASE_URL}/data/kpi/N18409/municipality/"
        "0580,0000/year/2021,2022,2023?per_page=5000): ingen anslutning kunde upprättas. "
        "Försök igen senare. Ingenting sparades."
    )
    assert database_state() == before


def test_a_kolada_that_does_not_answer_in_time_gives_the_time_limit(settings, kolada, amn):
    kolada.serve(OWN_ONLY_PATH, Answer(body="{}", delay=10))
    settings.KOLADA_TIMEOUT_SECONDS = 0.3
    settings.KOLADA_RETRIES = 1

    with pytest.raises(CommandError, match=r"tidsgränsen 0,3 s överskreds\. Försök igen"):
        fetch("--committee", "AMN", "--year", "2023")

    assert len(kolada.asked) == 2  # tried once more before giving up
    assert not KoladaValue.objects.exists()


def test_an_answer_that_is_not_json_is_refused_and_nothing_is_stored(kolada, with_peers):
    kolada.serve_recorded(DATA_PATH, "n18409_page1.json")
    kolada.serve(DATA_PATH, Answer(body="<html>Underhåll pågår</html>"), page=2)

    with pytest.raises(CommandError, match=r"Kolada gav ett svar som inte kunde läsas .*inte JSON"):
        fetch("--committee", "AMN", "--year", "2023")

    assert not KoladaValue.objects.exists()


def test_an_answer_of_the_wrong_shape_is_refused(kolada, amn):
    kolada.serve(OWN_ONLY_PATH, Answer(body=json.dumps({"values": [{"kpi": "N18409"}]})))

    with pytest.raises(CommandError, match="en post saknar kpi eller municipality"):
        fetch("--committee", "AMN", "--year", "2023")


def test_an_unknown_committee_is_refused_in_swedish(db):
    with pytest.raises(CommandError, match="Det finns ingen nämnd med förkortningen ”XYZ”"):
        fetch("--committee", "XYZ", "--year", "2023")


def test_a_year_without_outcomes_yet_is_refused(db):
    with pytest.raises(CommandError, match="Året ska vara mellan 1990 och"):
        fetch("--committee", "AMN", "--year", "2999")


# Peers and Riket


def test_peers_and_riket_are_stored_and_compared_own_first_riket_last(
    kolada_with_peers, amn, other_committee
):
    fetch_kolada_values(amn, 2023)

    comparison = peer_comparison(sfi(amn), [2021, 2022, 2023])

    assert comparison.has_data
    assert [(row.kolada_id, row.name) for row in comparison.rows] == [
        ("0580", "Linköpings kommun"),
        ("0581", "Norrköpings kommun"),  # a municipality the application knows by name
        ("1480", "1480"),
        ("0000", "Riket"),
    ]
    assert [cell.display for cell in comparison.rows[0].cells] == ["33,8", "33,4", "35,2"]
    assert comparison.rows[2].values_by_year == {
        2021: Decimal("36.3"),
        2022: Decimal("37.0"),
        2023: None,
    }
    assert comparison.rows[2].cells[2].display == "–"
    assert comparison.rows[3].is_country and comparison.rows[0].is_own
    assert comparison.fetched_at is not None


def test_peer_comparison_reads_the_store_in_at_most_two_queries(
    kolada_with_peers, amn, django_assert_max_num_queries
):
    fetch_kolada_values(amn, 2023)
    indicator = Indicator.objects.get(pk=sfi(amn).pk)

    with django_assert_max_num_queries(2):
        comparison = peer_comparison(indicator, [2022, 2023])
        assert comparison.rows[3].cells[1].value == Decimal("37.2")


def test_peers_chosen_by_the_reader_replace_the_setting_and_bad_ids_are_left_out(
    kolada_with_peers, amn
):
    fetch_kolada_values(amn, 2023)

    comparison = peer_comparison(sfi(amn), [2023], peers="1480,abc, 12345,0580")

    assert [row.kolada_id for row in comparison.rows] == ["0580", "1480", "0000"]
    assert comparison.ignored_ids == ["abc", "12345"]


def test_a_comparison_before_any_fetch_has_no_data(amn):
    comparison = peer_comparison(sfi(amn), [2023])

    assert not comparison.has_data
    assert [row.name for row in comparison.rows] == ["Linköpings kommun", "Riket"]


# The button


def fetch_url(code: str = "AMN") -> str:
    return reverse("indicators:kolada-fetch", kwargs={"code": code})


def test_the_kolada_button_fetches_and_returns_with_a_summary(kolada_with_peers, client, staff):
    client.force_login(staff)

    response = client.post(
        fetch_url(), {"year": "2023", "next": "/namnd/AMN/indikatorer/"}, follow=False
    )

    assert response.status_code == 302
    assert response["Location"] == "/namnd/AMN/indikatorer/"
    texts = [message.message for message in get_messages(response.wsgi_request)]
    assert texts[0].startswith("Hämtade 30 värden från Kolada")
    assert any("Inte överskrivet" in text for text in texts)
    assert KoladaValue.objects.filter(municipality="0000").exists()


def test_the_kolada_button_overwrites_values_entered_by_hand_when_ticked(
    kolada_with_peers, client, controller, amn
):
    client.force_login(controller)

    client.post(fetch_url(), {"year": "2023", "overwrite": "1"})

    assert full_year(amn, "Totalt", 2021).origin == Origin.KOLADA


def test_the_kolada_button_never_sends_the_user_to_another_site(kolada_with_peers, client, staff):
    client.force_login(staff)

    response = client.post(fetch_url(), {"year": "2023", "next": "https://example.com/"})

    assert response["Location"] == reverse("amn:start")


def test_the_kolada_button_shows_why_kolada_could_not_be_reached(settings, client, staff):
    settings.KOLADA_BASE_URL = f"http://127.0.0.1:{closed_port()}/v3"
    settings.KOLADA_RETRIES = 0
    client.force_login(staff)

    response = client.post(fetch_url(), {"year": "2023"})

    assert response.status_code == 302
    [message] = get_messages(response.wsgi_request)
    assert message.level_tag == "error"
    assert message.message.startswith("Kolada kunde inte nås (http://127.0.0.1:")
    assert not KoladaValue.objects.exists()


def test_the_kolada_button_refuses_a_year_that_is_not_a_year(client, staff):
    client.force_login(staff)

    response = client.post(fetch_url(), {"year": "två"})

    [message] = get_messages(response.wsgi_request)
    assert message.message.startswith("Ingenting hämtades från Kolada:")


def test_a_nämnd_member_may_not_fetch_from_kolada(client, member):
    client.force_login(member)

    assert client.post(fetch_url(), {"year": "2023"}).status_code == 403


def test_a_user_of_another_nämnd_does_not_see_the_nämnd(client, outsider):
    client.force_login(outsider)

    assert client.post(fetch_url(), {"year": "2023"}).status_code == 404


def test_the_kolada_fetch_is_post_only(client, staff):
    client.force_login(staff)

    assert client.get(fetch_url(), {"year": "2023"}).status_code == 405


def test_the_button_snippet_posts_year_overwrite_and_the_page_to_return_to(amn):
    request = RequestFactory().get("/namnd/AMN/indikatorer/")

    html = render_to_string(
        "indicators/_kolada_button.html",
        {"committee": amn, "year": 2023, "next": "/namnd/AMN/indikatorer/?ar=2023"},
        request=request,
    )

    assert f'action="{fetch_url()}"' in html
    assert 'name="csrfmiddlewaretoken"' in html
    assert 'name="year" value="2023"' in html
    assert 'name="next" value="/namnd/AMN/indikatorer/?ar=2023"' in html
    assert "Skriv över värden som matats in för hand" in html
    assert "Hämta från Kolada" in html
