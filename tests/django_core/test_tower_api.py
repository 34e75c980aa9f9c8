"""The Control Tower's REST API through Django's test client, on the real MySQL."""

import re
from datetime import timedelta

import pytest
from django.test import Client

from apps.django_core.tower.models import Instrument
from apps.django_core.tower.services import instrument_create, regime_snapshot_record
from tests.django_core.regimes import AS_OF, market_regime, markov_regime
from tests.problem_checks import problem
from tests.stack import DJANGO_TOKEN as TOKEN
from tests.stack import TEST_TOKENS

pytestmark = pytest.mark.django_db

JSON = {"content_type": "application/json"}
APPLE = {"symbol": "AAPL", "name": "Apple Inc.", "asset_class": "equity"}


def invalid_fields(response) -> set[str]:
    return {error["field"] for error in problem(response, 400).extension("errors")}


@pytest.fixture
def instruments() -> list[Instrument]:
    return [
        instrument_create(symbol="AAPL", name="Apple Inc.", asset_class="equity"),
        instrument_create(symbol="BTC-USD", name="Bitcoin", asset_class="crypto"),
        instrument_create(symbol="SPY", name="SPDR S&P 500 ETF", asset_class="etf"),
        instrument_create(symbol="XAU", name="Gold spot", asset_class="commodity", active=False),
    ]


def symbols(response) -> list[str]:
    assert response.status_code == 200, response.content
    return [item["symbol"] for item in response.json()["results"]]


# --- Instruments: reads ---------------------------------------------------------------------


def test_instruments_are_listed_by_symbol(client, instruments):
    body = client.get("/api/instruments/").json()
    assert body["count"] == 4 and body["next"] is None
    assert [item["symbol"] for item in body["results"]] == ["AAPL", "BTC-USD", "SPY", "XAU"]
    assert set(body["results"][0]) == {"symbol", "name", "asset_class", "active", "created", "updated"}


def test_instruments_filter_and_search(client, instruments):
    assert symbols(client.get("/api/instruments/?active=false")) == ["XAU"]
    assert symbols(client.get("/api/instruments/?active=true&asset_class=etf")) == ["SPY"]
    assert symbols(client.get("/api/instruments/?search=btc")) == ["BTC-USD"]  # symbol, any case
    assert symbols(client.get("/api/instruments/?search=gold")) == ["XAU"]  # name
    assert symbols(client.get("/api/instruments/?search=")) == ["AAPL", "BTC-USD", "SPY", "XAU"]


def test_an_instrument_is_read_by_symbol(client, instruments):
    assert client.get("/api/instruments/BTC-USD/").json()["name"] == "Bitcoin"
    assert problem(client.get("/api/instruments/NOPE/"), 404)


def test_bad_instrument_query_parameters_are_400_problems(client):
    response = client.get("/api/instruments/?active=maybe&asset_class=stocks")
    assert invalid_fields(response) == {"active", "asset_class"}


def test_page_size_is_capped_at_500(client):
    Instrument.objects.bulk_create(
        Instrument(symbol=f"S{n:04d}", name=f"Stock {n}", asset_class="equity") for n in range(501)
    )
    default = client.get("/api/instruments/").json()
    assert default["count"] == 501 and len(default["results"]) == 50
    capped = client.get("/api/instruments/?page_size=100000").json()
    assert len(capped["results"]) == 500 and "page=2" in capped["next"]
    last = client.get("/api/instruments/?page_size=100000&page=2").json()
    assert [item["symbol"] for item in last["results"]] == ["S0500"]
    assert symbols(client.get("/api/instruments/?page_size=2&page=3")) == ["S0004", "S0005"]


@pytest.mark.parametrize("page_size", ["0", "-1", "many", ""])
def test_a_bad_page_size_is_a_400_problem(client, page_size):
    assert invalid_fields(client.get(f"/api/instruments/?page_size={page_size}")) == {"page_size"}


@pytest.mark.parametrize("path", ["/api/instruments/", "/api/snapshots/?symbol=NONE"])
@pytest.mark.parametrize("page", ["0", "-1", "two", "1.5", ""])
def test_a_page_that_is_not_a_number_from_1_is_a_400_problem_even_on_an_empty_list(client, path, page):
    joined = "&" if "?" in path else "?"
    assert invalid_fields(client.get(f"{path}{joined}page={page}")) == {"page"}


def test_a_page_past_the_end_is_a_404_problem(client, instruments):
    assert problem(client.get("/api/instruments/?page=9"), 404)


# --- Instruments: writes ----------------------------------------------------------------------


def test_creating_needs_the_operator_s_token(client):
    missing = client.post("/api/instruments/", APPLE, content_type="application/json")
    assert problem(missing, 401).detail == "POST api/instruments/ needs a token: Authorization: Bearer <token>."
    assert missing["WWW-Authenticate"] == "Bearer"
    wrong = client.post("/api/instruments/", APPLE, content_type="application/json", HTTP_AUTHORIZATION="Bearer no")
    assert problem(wrong, 403).detail == "This token is not one this service accepts."
    service = client.post(
        "/api/instruments/",
        APPLE,
        content_type="application/json",
        HTTP_AUTHORIZATION=f"Bearer {TEST_TOKENS['django_core']}",
    )
    assert problem(service, 403).detail == "django_core may not POST api/instruments/ of django_core."
    assert not Instrument.objects.exists()


def test_creating_with_the_token_needs_no_csrf_token():
    # A service calling with the internal token has no session and no CSRF cookie.
    client = Client(enforce_csrf_checks=True)
    response = client.post("/api/instruments/", APPLE, content_type="application/json", **TOKEN)
    assert response.status_code == 201
    body = response.json()
    assert {key: body[key] for key in (*APPLE, "active")} == {**APPLE, "active": True}
    assert Instrument.objects.get().symbol == "AAPL"


def test_an_invalid_body_is_a_400_problem_listing_each_field(client):
    response = client.post(
        "/api/instruments/",
        {"symbol": "aapl!", "asset_class": "stocks", "active": "maybe"},
        content_type="application/json",
        **TOKEN,
    )
    assert invalid_fields(response) == {"symbol", "name", "asset_class", "active"}
    assert problem(client.post("/api/instruments/", "{nope", content_type="application/json", **TOKEN), 400)


def test_a_taken_symbol_is_a_409_problem(client, instruments):
    """The body is valid; what is stored conflicts with it (the OpenAPI document says 409)."""
    response = client.post("/api/instruments/", APPLE, content_type="application/json", **TOKEN)
    assert problem(response, 409).detail == "Conflicts with what is stored: Instrument with this Symbol already exists."


def test_updating_and_deleting_need_the_token(client, instruments):
    assert problem(client.patch("/api/instruments/AAPL/", {"active": False}, content_type="application/json"), 401)
    assert problem(client.put("/api/instruments/AAPL/", APPLE, content_type="application/json"), 401)
    assert problem(client.delete("/api/instruments/AAPL/", HTTP_AUTHORIZATION="Bearer no"), 403)
    assert Instrument.objects.get(symbol="AAPL").active is True


def test_patch_changes_some_fields_and_put_every_field(client, instruments):
    patched = client.patch("/api/instruments/AAPL/", {"active": False}, content_type="application/json", **TOKEN)
    assert patched.status_code == 200 and patched.json()["active"] is False
    assert patched.json()["name"] == "Apple Inc."
    assert invalid_fields(
        client.put("/api/instruments/AAPL/", {"name": "Apple"}, content_type="application/json", **TOKEN)
    ) == {"asset_class"}
    replaced = client.put(
        "/api/instruments/AAPL/", {**APPLE, "name": "Apple", "active": True}, content_type="application/json", **TOKEN
    )
    assert replaced.status_code == 200 and replaced.json()["name"] == "Apple"


@pytest.mark.parametrize("method", ["put", "patch"])
def test_a_symbol_never_changes(client, instruments, method):
    """The market engine keeps an instrument's bars under its symbol: a new one would lose them."""
    response = getattr(client, method)(
        "/api/instruments/AAPL/", {**APPLE, "symbol": "AAPLX"}, content_type="application/json", **TOKEN
    )
    assert invalid_fields(response) == {"symbol"}
    assert "cannot change" in problem(response, 400).extension("errors")[0]["message"]
    assert Instrument.objects.get(symbol="AAPL").name == "Apple Inc." and not Instrument.objects.filter(symbol="AAPLX")
    same = getattr(client, method)("/api/instruments/AAPL/", APPLE, content_type="application/json", **TOKEN)
    assert same.status_code == 200  # its own symbol, sent again, is no change


def test_the_schema_says_the_symbol_cannot_change(client):
    schema = client.get("/api/schema/", HTTP_ACCEPT="application/json").json()
    for name in ("InstrumentUpdate", "PatchedInstrumentUpdate"):  # PUT's and PATCH's bodies
        symbol = schema["components"]["schemas"][name]["properties"]["symbol"]
        assert symbol["readOnly"] is True and "cannot change" in symbol["description"]


TEXTS = ["Apple", "º", "日本", "-", " Apple ", "   ", "\t", "\x1c", "\ufeff", "\xa0", "a\n", "AAPL", "AAPL\n", " AAPL"]
TEXTS += ["BRK.B", "aapl", "X" * 20, "X" * 21, "x" * 200, "x" * 201, "x" * 199 + " "]


def test_the_server_takes_exactly_the_names_and_symbols_the_schema_allows(client):
    """The schema's regexes are ECMA-262's, where ``\\w``, ``\\s`` and ``$`` mean less than in Python: the
    server answers each text as the schema, read that way (ASCII classes, the whole text), says."""
    schema = client.get("/api/schema/", HTTP_ACCEPT="application/json").json()["components"]["schemas"]
    fields = schema["InstrumentInput"]["properties"]

    def allowed(field: str, text: str) -> bool:
        rule = fields[field]
        return re.fullmatch(rule["pattern"], text, re.ASCII) is not None and len(text) <= rule["maxLength"]

    for n, text in enumerate(TEXTS):
        for field, body in (("name", {"symbol": f"T{n}", "name": text}), ("symbol", {"symbol": text, "name": "A"})):
            response = client.post("/api/instruments/", {**body, "asset_class": "equity"}, **JSON, **TOKEN)
            assert response.status_code == (201 if allowed(field, text) else 400), (field, text, response.content)
        if allowed("name", text):  # a name is kept as sent, spaces and newlines included
            patched = client.patch(f"/api/instruments/T{n}/", {"name": f" {text}\n"}, **JSON, **TOKEN)
            assert patched.status_code == (200 if allowed("name", f" {text}\n") else 400), (text, patched.content)
            kept = f" {text}\n" if patched.status_code == 200 else text
            assert Instrument.objects.get(symbol=f"T{n}").name == kept


def test_deleting_an_instrument(client, instruments):
    assert client.delete("/api/instruments/SPY/", **TOKEN).status_code == 204
    assert problem(client.get("/api/instruments/SPY/"), 404)
    assert problem(client.delete("/api/instruments/SPY/", **TOKEN), 404)


# --- Snapshots --------------------------------------------------------------------------------


@pytest.fixture
def snapshots(instruments):
    apple, bitcoin = instruments[0], instruments[1]
    for day, trend, volatility in [(0, "bull", "low"), (1, "bull", "normal"), (2, "sideways", "high")]:
        as_of = AS_OF + timedelta(days=day)
        regime_snapshot_record(instrument=apple, regime=market_regime(as_of=as_of, trend=trend, volatility=volatility))
        regime_snapshot_record(
            instrument=bitcoin, regime=market_regime("BTC-USD", as_of=as_of, trend="bear", volatility=volatility)
        )


def dates(response) -> list[str]:
    assert response.status_code == 200, response.content
    return [(item["symbol"], item["as_of"][:10]) for item in response.json()["results"]]


def test_snapshots_are_listed_newest_first(client, snapshots):
    body = client.get("/api/snapshots/").json()
    assert body["count"] == 6
    first = body["results"][0]
    assert set(first) == {
        "id",
        "symbol",
        "timeframe",
        "as_of",
        "method",
        "trend",
        "volatility",
        "probabilities",
        "features",
        "source",
        "created",
    }
    assert first["as_of"] == "2026-03-04T21:00:00Z" and first["features"]["trend_spread"] == 0.0213
    assert (first["method"], first["probabilities"]) == ("rules", {})
    assert [as_of for _, as_of in dates(client.get("/api/snapshots/"))] == [
        "2026-03-04",
        "2026-03-04",
        "2026-03-03",
        "2026-03-03",
        "2026-03-02",
        "2026-03-02",
    ]
    assert dates(client.get("/api/snapshots/?ordering=as_of&symbol=AAPL")) == [
        ("AAPL", "2026-03-02"),
        ("AAPL", "2026-03-03"),
        ("AAPL", "2026-03-04"),
    ]


def test_snapshots_filter(client, snapshots):
    assert dates(client.get("/api/snapshots/?symbol=BTC-USD&volatility=high")) == [("BTC-USD", "2026-03-04")]
    assert dates(client.get("/api/snapshots/?trend=sideways")) == [("AAPL", "2026-03-04")]
    assert dates(client.get("/api/snapshots/?symbol=AAPL&as_of_after=2026-03-03T21:00:00Z")) == [
        ("AAPL", "2026-03-04"),
        ("AAPL", "2026-03-03"),
    ]
    assert dates(
        client.get("/api/snapshots/?symbol=AAPL&as_of_after=2026-03-03T00:00:00Z&as_of_before=2026-03-03T21:00:00Z")
    ) == [("AAPL", "2026-03-03")]
    assert dates(client.get("/api/snapshots/?timeframe=1h")) == []


def test_a_markov_snapshot_has_its_probabilities_no_trend_and_is_filtered_by_method(client, snapshots, instruments):
    regime_snapshot_record(instrument=instruments[0], regime=markov_regime(high=0.8, as_of=AS_OF + timedelta(days=2)))
    listed = client.get("/api/snapshots/?method=markov").json()["results"]
    assert len(listed) == 1
    markov = listed[0]
    assert (markov["symbol"], markov["method"], markov["trend"], markov["volatility"]) == (
        "AAPL",
        "markov",
        None,
        "high",
    )
    assert markov["probabilities"] == {"low": pytest.approx(0.2), "high": 0.8}
    assert markov["features"]["high_volatility"] == 0.8 and markov["features"]["annual_volatility_high"] == 0.287
    # The rules snapshot of the same moment is still there, beside it.
    same_moment = dates(client.get("/api/snapshots/?symbol=AAPL&as_of_after=2026-03-04T00:00:00Z"))
    assert same_moment == [("AAPL", "2026-03-04"), ("AAPL", "2026-03-04")]
    assert len(client.get("/api/snapshots/?method=rules").json()["results"]) == 6
    assert client.get(f"/api/snapshots/{markov['id']}/").json() == markov


def test_a_snapshot_is_read_by_id(client, snapshots):
    listed = client.get("/api/snapshots/?symbol=AAPL&page_size=1").json()["results"][0]
    assert client.get(f"/api/snapshots/{listed['id']}/").json() == listed
    assert problem(client.get("/api/snapshots/999999999/"), 404)


def test_snapshot_pages_do_not_overlap(client, snapshots):
    pages = [client.get(f"/api/snapshots/?page_size=4&page={n}").json()["results"] for n in (1, 2)]
    ids = [item["id"] for page in pages for item in page]
    assert len(ids) == 6 == len(set(ids))


def test_bad_snapshot_query_parameters_are_400_problems(client):
    response = client.get(
        "/api/snapshots/?symbol=a!&trend=up&volatility=wild&as_of_after=yesterday&as_of_before=soon&ordering=trend"
        "&method=hmm"
    )
    assert invalid_fields(response) == {
        "symbol",
        "trend",
        "volatility",
        "as_of_after",
        "as_of_before",
        "ordering",
        "method",
    }
    backwards = client.get("/api/snapshots/?as_of_after=2026-03-04T00:00:00Z&as_of_before=2026-03-02T00:00:00Z")
    assert invalid_fields(backwards) == {"as_of_before"}


def test_snapshots_are_read_only(client, snapshots):
    assert problem(client.post("/api/snapshots/", {}, content_type="application/json", **TOKEN), 405)
    snapshot_id = client.get("/api/snapshots/").json()["results"][0]["id"]
    assert problem(client.delete(f"/api/snapshots/{snapshot_id}/", **TOKEN), 405)
