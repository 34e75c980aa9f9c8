"""POST /regime through Flask's test client: answers, bounds, and clear problems."""

import numpy as np
import pytest

from apps.common.contracts import Problem, RegimeResponse
from apps.flask_regime import create_app
from tests.stack import TOKEN

RISING = np.linspace(100, 160, 80).tolist()


@pytest.fixture
def client():
    return create_app({"TESTING": True}).test_client()


def post(client, body, headers=TOKEN, **kwargs):
    return client.post("/regime", json=body, headers=headers, **kwargs)


def test_answers_every_bar_and_the_latest(client):
    stamps = [f"2024-01-{1 + i // 24:02d}T{i % 24:02d}:00:00+00:00" for i in range(80)]
    response = post(client, {"closes": RISING, "timestamps": stamps})
    assert response.status_code == 200
    answer = RegimeResponse.model_validate(response.get_json())
    assert len(answer.bars) == 80 and answer.latest == answer.bars[-1]
    assert answer.latest.trend == "bull" and answer.latest.volatility == "low"
    assert answer.latest.ts.isoformat() == "2024-01-04T07:00:00+00:00"
    assert answer.bars[0].trend is None and answer.bars[0].sma_slow is None
    assert answer.latest.sma_fast > answer.latest.sma_slow


def test_latest_only_when_asked(client):
    answer = RegimeResponse.model_validate(post(client, {"closes": RISING, "include_bars": False}).get_json())
    assert answer.bars is None and answer.latest.close == RISING[-1]


def test_parameters_change_the_answer_deterministically(client):
    body = {"closes": RISING, "params": {"fast_window": 5, "slow_window": 10, "trend_band": 0.5}}
    first, second = post(client, body).get_json(), post(client, body).get_json()
    assert first == second
    assert first["latest"]["trend"] == "sideways"  # a 50 % band swallows the rise


@pytest.mark.parametrize(
    ("body", "field", "message"),
    [
        ({"closes": RISING[:10]}, "body", "10 closes are too few: these parameters need at least 50"),
        ({"closes": [*RISING[:-1], -1.0]}, "closes", "finite number above 0"),
        ({"closes": [*RISING[:-1], "x"]}, "closes.79", "valid number"),
        ({"closes": RISING, "timestamps": ["2024-01-01T00:00:00+00:00"]}, "body", "1 timestamps for 80 closes"),
        ({"closes": RISING, "timestamps": ["2024-01-01T00:00:00"] * 80}, "timestamps.0", "timezone"),
        ({"closes": RISING, "params": {"fast_window": 60, "slow_window": 50}}, "params", "fast_window must be smaller"),
        ({"closes": RISING, "params": {"vol_window": 1}}, "params.vol_window", "greater than or equal to 2"),
        ({"closes": RISING, "surprise": 1}, "surprise", "Extra inputs"),
        ({"closes": []}, "closes", "at least 1 item"),
        ({}, "closes", "Field required"),
    ],
)
def test_bad_input_is_a_problem_naming_the_field(client, body, field, message):
    response = post(client, body)
    assert response.status_code == 422
    errors = Problem.model_validate(response.get_json()).extension("errors")
    assert any(e["field"] == field and message in e["message"] for e in errors), errors


def test_non_finite_numbers_are_refused(client):
    response = client.post(
        "/regime", data='{"closes": [1, NaN, Infinity]}', content_type="application/json", headers=TOKEN
    )
    assert response.status_code == 422


def test_oversized_body_is_413(client):
    response = client.post(
        "/regime", data=b"[" + b"1," * (9 * 1024 * 1024) + b"1]", content_type="application/json", headers=TOKEN
    )
    assert response.status_code == 413
    assert response.mimetype == "application/problem+json"


def test_needs_the_internal_token(client):
    assert post(client, {"closes": RISING}, headers={}).status_code == 401
    assert post(client, {"closes": RISING}, headers={"Authorization": "Bearer nope"}).status_code == 403
