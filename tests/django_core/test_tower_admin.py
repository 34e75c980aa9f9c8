"""The Control Tower in Django's admin, as a superuser sees it."""

import pytest

from apps.django_core.tower.models import RegimeSnapshot
from apps.django_core.tower.services import instrument_create, regime_snapshot_record
from tests.django_core.regimes import market_regime

pytestmark = pytest.mark.django_db


@pytest.fixture
def snapshot() -> RegimeSnapshot:
    apple = instrument_create(symbol="AAPL", name="Apple Inc.", asset_class="equity")
    return regime_snapshot_record(instrument=apple, regime=market_regime())[0]


@pytest.mark.parametrize(
    "page",
    [
        "/admin/tower/instrument/",
        "/admin/tower/instrument/?q=apple&active__exact=1&asset_class__exact=equity",
        "/admin/tower/instrument/add/",
        "/admin/tower/regimesnapshot/",
        "/admin/tower/regimesnapshot/?q=AAPL&trend__exact=bull&volatility__exact=normal",
    ],
)
def test_admin_pages_load(admin_client, snapshot, page):
    response = admin_client.get(page)
    assert response.status_code == 200
    assert b"AAPL" in response.content or page.endswith("/add/")


def test_an_instrument_is_edited_in_the_admin(admin_client, snapshot):
    page = admin_client.get(f"/admin/tower/instrument/{snapshot.instrument.pk}/change/")
    assert page.status_code == 200 and b"Apple Inc." in page.content


def test_snapshots_are_read_only_in_the_admin(admin_client, snapshot):
    page = admin_client.get(f"/admin/tower/regimesnapshot/{snapshot.pk}/change/")
    assert page.status_code == 200 and b"trend_spread" in page.content
    assert b'name="_save"' not in page.content
    assert admin_client.get("/admin/tower/regimesnapshot/add/").status_code == 403
