"""POST /regime/markov and /regime/markov/filter through Flask's test client: answers in the contract's shape,
the fit's parameters posted back give the same filtered probabilities, and every bad body is a 422 that
says what is wrong (never a 5xx)."""

import json

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from apps.common.contracts import MarkovFilterResponse, MarkovFitResponse, Problem
from apps.flask_regime import create_app
from tests.flask_regime.markov_cases import published_case
from tests.stack import TOKEN

FEDFUNDS = published_case("stata_fedfunds")
GNP = published_case("hamilton_gnp")
rng = np.random.default_rng(22)
NOISE = rng.normal(size=200).tolist()


@pytest.fixture(scope="module")
def client():
    return create_app({"TESTING": True}).test_client()


def post(client, path, body, headers=TOKEN):
    return client.post(path, json=body, headers=headers)


def errors_of(response) -> list[dict]:
    assert response.status_code == 422, response.get_data(as_text=True)[:300]
    assert response.mimetype == "application/problem+json"
    return Problem.model_validate(response.get_json()).extension("errors")


def test_a_fit_answers_the_published_model(client):
    response = post(client, "/regime/markov", {"values": GNP.values.tolist(), "order": 4})
    assert response.status_code == 200
    fit = MarkovFitResponse.model_validate(response.get_json())
    assert (fit.k_regimes, fit.order, fit.trend, fit.switching_variance) == (2, 4, "c", False)
    assert fit.nobs == len(fit.filtered) == len(fit.smoothed) == len(GNP.values) - 4 and fit.start == 4
    assert fit.llf == pytest.approx(GNP.llf, abs=1e-3) and fit.converged
    recession, expansion = fit.params.regimes
    assert recession.mean < 0 < expansion.mean and recession.variance == expansion.variance
    assert expansion.expected_duration == pytest.approx(1 / (1 - fit.params.transition[1][1]))
    assert len(fit.params.ar) == 4 and recession.exog == []
    np.testing.assert_allclose(np.array(fit.filtered)[:, 1], GNP.filtered, atol=1e-3)


def test_the_fitted_params_posted_back_filter_the_same_way(client):
    fit = post(client, "/regime/markov", {"values": FEDFUNDS.values.tolist()}).get_json()
    response = post(client, "/regime/markov/filter", {"values": FEDFUNDS.values.tolist(), "params": fit["params"]})
    assert response.status_code == 200
    filtered = MarkovFilterResponse.model_validate(response.get_json())
    assert filtered.llf == pytest.approx(fit["llf"], rel=1e-12) and filtered.start == 0
    np.testing.assert_allclose(filtered.filtered, fit["filtered"], atol=1e-12)
    extended = [*FEDFUNDS.values.tolist(), 0.2, 0.25]  # two more quarters: the earlier rows do not move
    again = post(client, "/regime/markov/filter", {"values": extended, "params": fit["params"]}).get_json()
    assert again["nobs"] == len(extended) and again["filtered"][:-2] == filtered.filtered


def test_exog_and_a_switching_variance(client):
    case = published_case("stata_areturns")
    body = {"values": case.values.tolist(), "exog": case.exog.tolist(), "switching_variance": True}
    fit = MarkovFitResponse.model_validate(post(client, "/regime/markov", body).get_json())
    assert fit.llf == pytest.approx(case.llf, abs=1e-3)
    assert [len(r.exog) for r in fit.params.regimes] == [1, 1]
    assert fit.params.regimes[0].variance < fit.params.regimes[1].variance


VALUES = FEDFUNDS.values.tolist()


@pytest.mark.parametrize(
    ("body", "field", "message"),
    [
        ({"values": VALUES[:20]}, "body", "20 values are too few for this model: its 5 parameters need at least 25"),
        ({"values": NOISE[:60], "order": 4, "k_regimes": 3}, "body", "need at least"),
        ({"values": [1.5] * 60}, "values", "values are constant"),
        ({"values": [*VALUES[:-1], 1e16]}, "values", "within ±1e+15 (index 225"),
        ({"values": VALUES, "exog": [[1.0]] * 10}, "body", "exog has 10 rows for 226 values"),
        ({"values": VALUES, "exog": [[1.0, 2.0], [1.0]] * 113}, "exog", "the same number of regressors"),
        ({"values": VALUES, "exog": [[]] * 226}, "exog", "1 to 5 regressors, not 0"),
        ({"values": VALUES, "exog": [[1.0] * 6] * 226}, "exog", "1 to 5 regressors, not 6"),
        ({"values": VALUES, "exog": [[2.0]] * 226}, "exog", "collinear"),
        ({"values": VALUES, "exog": [[0.0]] * 226, "trend": "n"}, "exog", "all zeros"),
        ({"values": VALUES, "exog": [[v] for v in VALUES]}, "values", "exact linear function"),
        ({"values": VALUES, "trend": "n"}, "body", "nothing switches"),
        ({"values": VALUES, "k_regimes": 5}, "k_regimes", "less than or equal to 4"),
        ({"values": VALUES, "order": 5}, "order", "less than or equal to 4"),
        ({"values": VALUES, "trend": "ct"}, "trend", "'c' or 'n'"),
        ({"values": NOISE * 10, "k_regimes": 4, "order": 4}, "body", "too large to fit here"),
        ({"values": NOISE * 20, "order": 4}, "body", "so it takes at most 3476 values, not 4000"),
        ({"values": VALUES, "surprise": 1}, "surprise", "Extra inputs"),
        ({"values": []}, "values", "at least 1 item"),
        ({"values": "1,2,3"}, "values", "valid array"),
        ({}, "values", "Field required"),
    ],
)
def test_a_bad_fit_body_is_a_422_naming_what_is_wrong(client, body, field, message):
    errors = errors_of(post(client, "/regime/markov", body))
    assert any(e["field"] == field and message in e["message"] for e in errors), errors


@pytest.mark.parametrize("raw", ['{"values": [1, NaN, 2]}', '{"values": [1, Infinity, 2]}', '{"values": [1, 2'])
def test_non_finite_numbers_and_broken_json_are_422(client, raw):
    assert client.post("/regime/markov", data=raw, content_type="application/json", headers=TOKEN).status_code == 422


PARAMS = {
    "transition": [[0.9, 0.1], [0.2, 0.8]],
    "regimes": [{"mean": 0.0, "exog": [], "variance": 1.0}, {"mean": 1.0, "exog": [], "variance": 2.0}],
    "ar": [],
}


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"transition": [[0.9, 0.2], [0.2, 0.8]]}, "row 0 must hold probabilities that sum to 1"),
        ({"transition": [[1.0]]}, "must be k × k"),
        (
            {"regimes": [{"mean": 0.0, "exog": [], "variance": 1.0}, {"mean": None, "exog": [], "variance": 2.0}]},
            "mean",
        ),
        ({"regimes": [{"mean": 0.0, "exog": [], "variance": 0.0}] * 2}, "greater than 0"),
        ({"regimes": [{"mean": 0.0, "exog": [1.0], "variance": 1.0}] * 2}, "take 1 exog columns"),
        ({"ar": [0.1] * 5}, "at most 4 items"),
    ],
)
def test_bad_params_to_filter_are_a_422(client, change, message):
    errors = errors_of(post(client, "/regime/markov/filter", {"values": NOISE, "params": {**PARAMS, **change}}))
    assert any(message in e["message"] for e in errors), errors


def test_the_filter_answers_the_newest_rows_and_the_smoothed_ones_when_asked(client):
    whole = post(client, "/regime/markov/filter", {"values": NOISE, "params": PARAMS, "smoothed": True}).get_json()
    assert len(whole["filtered"]) == len(whole["smoothed"]) == 200 and whole["start"] == 0
    assert whole["smoothed"][-1] == whole["filtered"][-1]  # the last observation has nothing after it
    assert max(abs(s[1] - f[1]) for s, f in zip(whole["smoothed"], whole["filtered"], strict=True)) > 0.01
    tail = post(client, "/regime/markov/filter", {"values": NOISE, "params": PARAMS, "rows": 3}).get_json()
    assert (tail["nobs"], tail["start"], tail["llf"]) == (200, 197, whole["llf"]) and tail["smoothed"] is None
    np.testing.assert_allclose(tail["filtered"], whole["filtered"][-3:], rtol=0, atol=1e-12)
    more = post(client, "/regime/markov/filter", {"values": NOISE, "params": PARAMS, "rows": 500}).get_json()
    assert (more["start"], len(more["filtered"])) == (0, 200)
    assert errors_of(post(client, "/regime/markov/filter", {"values": NOISE, "params": PARAMS, "rows": 0}))


def test_both_need_the_internal_token(client):
    for path, body in (
        ("/regime/markov", {"values": NOISE}),
        ("/regime/markov/filter", {"values": NOISE, "params": PARAMS}),
    ):
        assert post(client, path, body, headers={}).status_code == 401
        assert post(client, path, body, headers={"Authorization": "Bearer nope"}).status_code == 403


numbers = st.one_of(
    st.floats(allow_nan=True, allow_infinity=True),
    st.floats(min_value=-3, max_value=3),
    st.sampled_from([0.0, 1.0, 1e15, -1e15, 1e-300, 5e-324, 1e308]),
    st.integers(-(10**20), 10**20),
)
anything = st.recursive(
    st.one_of(st.none(), st.booleans(), numbers, st.text(max_size=8)),
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=6), inner, max_size=3),
    max_leaves=10,
)
series = st.one_of(
    st.lists(numbers, max_size=60),
    st.lists(st.sampled_from([0.0, 1.0, 2.0]), min_size=30, max_size=60),  # ties, steps and repeats
    anything,
)
fit_bodies = st.fixed_dictionaries(
    {"values": series},
    optional={
        "k_regimes": st.one_of(st.integers(1, 5), anything),
        "order": st.one_of(st.integers(-1, 5), anything),
        "trend": st.one_of(st.sampled_from(["c", "n", "x"]), anything),
        "switching_variance": st.one_of(st.booleans(), anything),
        "exog": st.one_of(st.lists(st.lists(numbers, max_size=3), max_size=70), anything),
    },
)


params_bodies = st.fixed_dictionaries(
    {
        "transition": st.one_of(st.lists(st.lists(numbers, max_size=4), max_size=4), anything),
        "regimes": st.one_of(
            st.lists(
                st.fixed_dictionaries(
                    {"mean": st.one_of(st.none(), numbers), "exog": st.lists(numbers, max_size=2), "variance": numbers}
                ),
                max_size=4,
            ),
            anything,
        ),
        "ar": st.one_of(st.lists(numbers, max_size=5), anything),
    }
)
filter_bodies = st.fixed_dictionaries(
    {"values": series, "params": st.one_of(st.just(PARAMS), params_bodies, anything)},
    optional={"exog": st.one_of(st.lists(st.lists(numbers, max_size=2), max_size=70), anything)},
)
FUZZ = settings(
    max_examples=40, deadline=None, database=None, derandomize=True, suppress_health_check=list(HealthCheck)
)


def answer_is_not_a_5xx(path: str, body: object) -> None:
    client = create_app({"TESTING": True}).test_client()
    response = client.post(path, data=json.dumps(body), content_type="application/json", headers=TOKEN)
    assert response.status_code in (200, 422), response.get_data(as_text=True)[:300]
    if response.status_code == 422:
        assert response.mimetype == "application/problem+json"


@FUZZ
@given(body=st.one_of(fit_bodies, anything))
def test_no_fit_body_gets_a_5xx(body):
    answer_is_not_a_5xx("/regime/markov", body)


@FUZZ
@given(body=st.one_of(filter_bodies, anything))
def test_no_filter_body_gets_a_5xx(body):
    answer_is_not_a_5xx("/regime/markov/filter", body)
