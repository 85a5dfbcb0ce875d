"""The admin analytics page (/admin/analytics/): who may read it, the figures it shows, the date range, the
one-click synonym and pin links, and the CSV exports (contents, file name, formula-safe cells)."""

from __future__ import annotations

import csv
import html as html_lib
import io
import re
from datetime import timedelta
from decimal import Decimal

import pytest
from django.contrib.auth.models import Permission
from django.test import Client
from django.utils import timezone

from profiles.models import Shopper
from tests.factories import ProductFactory, ShopperFactory, UserFactory

from .analytics_data import at, event, impressions, log

pytestmark = pytest.mark.django_db

URL = "/admin/analytics/"
RANGE = {"start": "2026-03-01", "end": "2026-03-10"}


def client_for(user) -> Client:
    client = Client()
    if user is not None:
        client.force_login(user)
    return client


@pytest.fixture
def merchandiser():
    """Staff with only the permission the page asks for (not a superuser)."""
    user = UserFactory(username="merch", is_staff=True)
    user.user_permissions.add(Permission.objects.get(codename="view_searchlog", content_type__app_label="recommend"))
    return user


@pytest.fixture
def shop_data():
    """March 2026: searches, a zero-result query, a relaxed one, rates and two attributed purchases."""
    alice, bob = ShopperFactory(), ShopperFactory()
    boots, kettle = ProductFactory(title="Trail boots"), ProductFactory(title="Kettle")
    log("hiking boots", at(2, 10), shopper=alice, result_ids=list(range(20)))
    event(alice, "click", at(2, 10, 3), product=boots, surface="search")
    log("Hiking Boots", at(3, 10), shopper=bob, result_ids=list(range(20)))
    log("unicorn saddle", at(4, 10), shopper=bob, total=0, result_ids=[], keyword_matches=0)
    log("boots under $5", at(4, 11), shopper=bob, relaxed=["under $5"])
    log("trainers for travel", at(5, 11), shopper=bob, unknown_words=["trainers"])
    impressions(at(2).date(), "recommendations", 5, 50)
    event(bob, "click", at(6), product=kettle, surface="recommendations")
    event(bob, "cart_add", at(6, 13), product=kettle, surface="recommendations")
    event(bob, "purchase", at(6, 14), product=kettle, price=Decimal("30.00"), order_id="X-1")
    event(alice, "cart_add", at(2, 10, 5), product=boots, surface="search")
    event(alice, "purchase", at(2, 11), product=boots, price=Decimal("90.00"), order_id="X-2")
    return {"alice": alice, "bob": bob}


# --- who may read it -----------------------------------------------------------------------------------


def test_anonymous_visitor_is_sent_to_the_admin_login():
    response = Client().get(URL)
    assert response.status_code == 302
    assert response["Location"].startswith("/admin/login/") and "next=/admin/analytics/" in response["Location"]


def test_a_signed_in_shopper_is_sent_to_the_admin_login_and_sees_no_figures(shop_data):
    shopper = Shopper.objects.create(user=UserFactory(username="carol"))
    response = client_for(shopper.user).get(URL, RANGE)
    assert response.status_code == 302 and response["Location"].startswith("/admin/login/")
    assert client_for(shopper.user).get(URL, {**RANGE, "export": "top_queries"}).status_code == 302


def test_staff_without_the_search_log_permission_get_403():
    staff = UserFactory(username="clerk", is_staff=True)
    assert client_for(staff).get(URL).status_code == 403
    assert client_for(staff).get(URL, {"export": "top_queries"}).status_code == 403
    # The admin index does not offer them the way in either.
    assert "/admin/analytics/" not in client_for(staff).get("/admin/").content.decode()


def test_merchandiser_with_the_permission_reads_the_page_linked_from_the_admin_index(merchandiser):
    index = client_for(merchandiser).get("/admin/").content.decode()
    assert 'href="/admin/analytics/"' in index
    response = client_for(merchandiser).get(URL)
    assert response.status_code == 200
    assert "Searches per day" in response.content.decode()


# --- what it shows -------------------------------------------------------------------------------------


def _text(html: str, element_id: str) -> str:
    match = re.search(rf'id="{element_id}">([^<]*)<', html)
    assert match, element_id
    return html_lib.unescape(match.group(1)).strip()


def _row(html: str, first_cell: str, section: str) -> list[str]:
    """The cells (text) of the row whose first cell reads ``first_cell`` in the page's ``section``."""
    part = html[html.index(f'<section id="{section}">') :]
    part = part[: part.index("</section>")]
    for row in re.findall(r"<tr[^>]*>(.*?)</tr>", part, re.S):
        cells = [
            html_lib.unescape(re.sub(r"<[^>]+>", "", c)).strip()
            for c in re.findall(r"<t[hd][^>]*>(.*?)</t[hd]>", row, re.S)
        ]
        if cells and cells[0] == first_cell:
            return cells
    raise AssertionError(f"no row {first_cell!r} in {section}")


def test_page_shows_the_figures_of_the_range(merchandiser, shop_data):
    html = client_for(merchandiser).get(URL, RANGE).content.decode()

    assert _text(html, "total-searches") == "5"
    assert _text(html, "conversion-rate") == "100.0%"  # both active shoppers bought
    assert _text(html, "total-revenue") == "$120.00"
    # Top queries: "hiking boots" twice (case folded), clicked once.
    assert _row(html, "hiking boots", "top-queries") == ["hiking boots", "2", "2", "0.0%", "0.0%", "50.0%"]
    # Unmatched queries with the reason in words.
    zero = html[html.index('<section id="zero-results">') : html.index('<section id="revenue">')]
    assert _row(html, "unicorn saddle", "zero-results")[:4] == ["unicorn saddle", "1", "no results", "0"]
    assert _row(html, "boots under $5", "zero-results")[:3] == ["boots under $5", "1", "results only without under $5"]
    assert _row(html, "trainers for travel", "zero-results")[2] == "no product has the word “trainers”"
    assert "<td>hiking boots</td>" not in zero
    # Rates per surface: 5 search pages showed 20 + 20 + 0 + 3 + 3 cards; 1 click, 1 cart add.
    assert _row(html, "search", "surfaces") == ["search", "5", "46", "1", "2.2%", "1", "2.2%"]
    assert _row(html, "recommendations", "surfaces") == ["recommendations", "5", "50", "1", "2.0%", "1", "2.0%"]
    # Revenue by last touch, and the rule in words.
    assert _row(html, "search", "revenue") == ["search", "1", "$90.00", "75.0%"]
    assert _row(html, "recommendations", "revenue") == ["recommendations", "1", "$30.00", "25.0%"]
    assert "most recent click or" in html and "in the 7" in html
    # The charts are inline SVG, described for screen readers.
    assert 'aria-label="Searches per day: 5 in 10 days, at most 2 a day"' in html
    assert "<title>2026-03-04: 2 searches (2 search box, 0 assistant)</title>" in html
    assert html.count('<svg class="analytics-chart"') == 2


def test_default_range_is_the_last_30_days(merchandiser):
    now = timezone.now()
    log("recent query", now - timedelta(days=2))
    log("old query", now - timedelta(days=40))
    html = client_for(merchandiser).get(URL).content.decode()
    assert "<td>recent query</td>" in html and "old query" not in html
    today = timezone.localdate()
    assert f'value="{(today - timedelta(days=29)).isoformat()}"' in html and f'value="{today.isoformat()}"' in html


def test_a_narrower_range_leaves_the_rest_out(merchandiser, shop_data):
    html = client_for(merchandiser).get(URL, {"start": "2026-03-04", "end": "2026-03-04"}).content.decode()
    assert _text(html, "total-searches") == "2"
    assert "<td>unicorn saddle</td>" in html and "<td>hiking boots</td>" not in html


@pytest.mark.parametrize(
    ("params", "message"),
    [
        ({"start": "2026-03-10", "end": "2026-03-01"}, "The start date is after the end date."),
        ({"start": "2026-13-01"}, "Enter a valid date."),
        ({"start": "2020-01-01", "end": "2026-01-01"}, "At most 731 days at a time."),
    ],
)
def test_a_bad_range_is_explained_on_the_page_and_as_json_for_an_export(merchandiser, params, message):
    response = client_for(merchandiser).get(URL, params)
    assert response.status_code == 400
    assert message in response.content.decode()
    export = client_for(merchandiser).get(URL, {**params, "export": "top_queries"})
    assert export.status_code == 400
    assert export.json()["code"] == "invalid_period" and message in export.json()["detail"]


def test_unmatched_queries_link_to_a_prefilled_synonym_and_pin(merchandiser, shop_data):
    html = client_for(merchandiser).get(URL, RANGE).content.decode()
    assert 'href="/admin/recommend/synonym/add/?terms=unicorn+saddle"' in html
    assert 'href="/admin/recommend/rule/add/?query=unicorn+saddle&amp;action=pin"' in html
    assert 'href="/admin/recommend/synonym/add/?terms=boots+under+%245"' in html
    # For a word no product holds, the synonym is for that word.
    assert 'href="/admin/recommend/synonym/add/?terms=trainers"' in html
    assert 'href="/admin/recommend/rule/add/?query=trainers+for+travel&amp;action=pin"' in html
    assert html.count("Add synonym") == 3 and html.count("Pin a product") == 3


# --- CSV exports ---------------------------------------------------------------------------------------


def _csv(response) -> list[list[str]]:
    return list(csv.reader(io.StringIO(response.content.decode())))


def test_top_queries_export_is_a_named_csv_attachment_of_the_table(merchandiser, shop_data):
    response = client_for(merchandiser).get(URL, {**RANGE, "export": "top_queries"})
    assert response.status_code == 200
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    assert response["Content-Disposition"] == 'attachment; filename="shopguide-top_queries-2026-03-01-2026-03-10.csv"'
    rows = _csv(response)
    assert rows[0] == [
        "query",
        "searches",
        "shoppers",
        "zero_result_pct",
        "unmatched_pct",
        "searches_with_click",
        "ctr_pct",
    ]
    assert rows[1] == ["hiking boots", "2", "2", "0.0", "0.0", "1", "50.0"]
    assert len(rows) == 1 + 4


def test_every_table_exports(merchandiser, shop_data):
    client = client_for(merchandiser)
    days = _csv(client.get(URL, {**RANGE, "export": "searches_per_day"}))
    assert days[0] == ["day", "searches", "search_box", "assistant"] and len(days) == 11
    assert days[4] == ["2026-03-04", "2", "2", "0"]
    zero = _csv(client.get(URL, {**RANGE, "export": "zero_results"}))
    assert zero[0] == [
        "query", "searches", "no_results", "relaxed", "with_unknown_words", "reason", "unknown_words",
        "searches_with_click", "last_searched",
    ]  # fmt: skip
    assert [r[0] for r in zero[1:]] == ["boots under $5", "trainers for travel", "unicorn saddle"]
    assert zero[2][1:7] == ["1", "0", "0", "1", "no product has the word “trainers”", "trainers"]
    assert zero[3][1:6] == ["1", "1", "0", "0", "no results"]
    surfaces = _csv(client.get(URL, {**RANGE, "export": "surfaces"}))
    assert surfaces[1] == ["search", "5", "46", "1", "2.2", "1", "2.2"]
    revenue = _csv(client.get(URL, {**RANGE, "export": "revenue"}))
    assert revenue[1] == ["search", "1", "90.00", "75.0"]
    assert revenue[-1] == ["unattributed", "0", "0.00", "0.0"]


def test_export_cells_cannot_run_as_spreadsheet_formulas(merchandiser):
    for query in ('=HYPERLINK("http://evil")', "+1+2", "-5 off", "@SUM(A1)", 'say "hi", ok'):
        log(query, at(3), total=0, result_ids=[])
    rows = _csv(client_for(merchandiser).get(URL, {**RANGE, "export": "zero_results"}))
    queries = sorted(r[0] for r in rows[1:])
    assert queries == sorted(['\'=hyperlink("http://evil")', "'+1+2", "'-5 off", "'@sum(a1)", 'say "hi", ok'])
    # Numbers are left alone.
    assert all(r[1] == "1" for r in rows[1:])


def test_unknown_export_is_a_json_error(merchandiser):
    response = client_for(merchandiser).get(URL, {"export": "passwords"})
    assert response.status_code == 400
    body = response.json()
    assert body["code"] == "unknown_export" and "top_queries" in body["detail"]
