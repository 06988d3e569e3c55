"""The public dashboard in a real browser, without signing in: every figure and table cell equals /statistics (the
whole period, and per month, centre and category), the charts are there with a text summary, the contract
addresses match the deployment, and the proposals board is read-only."""

from __future__ import annotations

from stack import record_activity, screenshot


def cells(page, table_id: str, key: str) -> dict:
    """{row key: {column: value}} of a table, from the exact values the page keeps on each cell."""
    return page.locator(f"#{table_id} tbody tr").evaluate_all(f"""rows => Object.fromEntries(rows.map(r => [
        r.dataset.{key},
        Object.fromEntries([...r.querySelectorAll('td[data-value]')].map(td => [td.dataset.column, td.dataset.value]))]))""")


def expected(totals: dict, column: str):
    """What /statistics says for a column of the page: hours and counts of what was issued, coins and won per flow
    (`units` is not in the totals: None, and not compared)."""
    if column in ("hours", "count"):
        return totals["issued"][column]
    kind, _, flow = column.partition("_")
    return totals[flow][kind] if kind in ("coins", "won") and flow in totals else None


# The columns each table must show (hours may be "—", with no value, for kinds not counted in time): if the page's
# names drift, the comparison below must not silently compare nothing.
COLUMNS = {"by-month": {"coins_issued", "won_issued", "coins_revoked", "coins_redeemed", "coins_donated", "coins_paid"},
           "by-centre": {"count", "coins_issued", "won_issued", "coins_revoked"},
           "by-category": {"count", "coins_issued", "won_issued", "coins_revoked"}}


def same(shown: dict, totals: dict, table: str = "by-month") -> bool:
    assert COLUMNS[table] <= set(shown), f"{table}: columns missing from the page: {COLUMNS[table] - set(shown)}"
    return all(str(expected(totals, c)) == v for c, v in shown.items() if expected(totals, c) is not None)


def test_public_dashboard(stack, new_page, coordinator):
    # Some activity of two kinds at centre 1, so the tables have rows to compare.
    from eth_account import Account

    volunteer = Account.create().address
    record_activity(stack, coordinator, volunteer, minutes=150)
    record_activity(stack, coordinator, volunteer, category=2, units=2)
    stack.indexed_to_head()
    whole = stack.http.get("/statistics").json()

    page, watch = new_page("desktop", "ko")
    page.goto(f"{stack.url}/dashboard/")
    page.locator("#by-month tbody tr").first.wait_for()
    for figure in ("hours", "coins_issued", "won_issued"):
        assert page.locator(f"[data-figure={figure}]").get_attribute("data-value") == str(expected(whole["totals"], figure)), figure

    months = cells(page, "by-month", "month")
    assert months, "no month rows"
    for month, shown in months.items():
        totals = stack.http.get("/statistics", params={"month": month}).json()["totals"]
        assert same(shown, totals), (month, shown, totals)
    for table, key, param in (("by-centre", "centre", "centre"), ("by-category", "category", "category")):
        rows = cells(page, table, key)
        assert rows, f"no rows in {table}"
        for row_key, shown in rows.items():
            totals = stack.http.get("/statistics", params={param: row_key}).json()["totals"]
            assert same(shown, totals, table), (table, row_key, shown, totals)
    charts = page.locator("svg[role=img]")
    assert charts.count() >= 3 and all(charts.nth(i).get_attribute("aria-label") for i in range(charts.count()))
    screenshot(page, "public_dashboard")

    # How to re-check: the addresses are the deployment's.
    page.goto(f"{stack.url}/dashboard/#/check")
    for address in whole["contracts"].values():
        page.locator("main").get_by_text(address).first.wait_for()

    # The proposals board: readable without signing in, nothing to press but links.
    page.goto(f"{stack.url}/dashboard/#/proposals")
    page.locator("main h1").wait_for()
    assert page.locator("main form, main button:not(.linklike)").count() == 0
    assert watch.unexpected() == []
