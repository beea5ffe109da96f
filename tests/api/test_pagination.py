"""Connections: pages in id order, the last page, an empty page, and cursors that are not ours."""

from __future__ import annotations

import base64

import pytest

pytestmark = pytest.mark.anyio

CLIENTS = """
query($first: Int, $after: String) {
  clients(first: $first, after: $after) {
    totalCount pageInfo { hasNextPage endCursor startCursor } edges { cursor node { id } }
  }
}"""
EPISODES = """
query($first: Int, $after: String) {
  serviceEpisodes(first: $first, after: $after) { totalCount pageInfo { hasNextPage endCursor } edges { node { id } } }
}"""
DELIVERIES = """
query($first: Int, $after: String) {
  deliveries(first: $first, after: $after) { totalCount pageInfo { hasNextPage endCursor } edges { node { id } } }
}"""


async def test_empty_list(api):
    connection = (await api.data(CLIENTS, first=10))["clients"]
    assert connection == {"totalCount": 0, "edges": [],
                          "pageInfo": {"hasNextPage": False, "endCursor": None, "startCursor": None}}


async def test_pages_walk_every_client_once_and_end_on_the_last_page(api):
    ids = [(await api.register())["id"] for _ in range(5)]
    seen, after, pages = [], None, 0
    while True:
        connection = (await api.data(CLIENTS, first=2, after=after))["clients"]
        assert connection["totalCount"] == 5
        seen += [e["node"]["id"] for e in connection["edges"]]
        pages += 1
        info = connection["pageInfo"]
        assert info["endCursor"] == connection["edges"][-1]["cursor"]
        assert info["startCursor"] == connection["edges"][0]["cursor"]
        if not info["hasNextPage"]:
            break
        after = info["endCursor"]
    assert (seen, pages) == (ids, 3)
    # the page after the last one is empty, not an error
    last = (await api.data(CLIENTS, first=2, after=after))["clients"]
    tail = (await api.data(CLIENTS, first=2, after=last["pageInfo"]["endCursor"]))["clients"]
    assert (tail["edges"], tail["pageInfo"]["hasNextPage"], tail["pageInfo"]["endCursor"]) == ([], False, None)


async def test_exactly_one_full_page_has_no_next_page(api):
    for _ in range(3):
        await api.register()
    connection = (await api.data(CLIENTS, first=3))["clients"]
    assert len(connection["edges"]) == 3 and connection["pageInfo"]["hasNextPage"] is False
    zero = (await api.data(CLIENTS, first=0))["clients"]
    assert (zero["edges"], zero["totalCount"], zero["pageInfo"]["hasNextPage"]) == ([], 3, True)


async def test_default_page_size_is_twenty(api):
    for _ in range(21):
        await api.register()
    connection = (await api.data(CLIENTS))["clients"]
    assert len(connection["edges"]) == 20 and connection["pageInfo"]["hasNextPage"] is True


async def test_episode_and_delivery_connections_page_too(api):
    client = await api.register()
    first = await api.start(client["id"], "HOME_CARE", "2018-03-01")
    await api.start(client["id"], "DAY_CARE_CENTRE", "2018-03-01")
    await api.record(first["id"], [("2018-03-01", 1), ("2018-03-02", 2), ("2018-03-03", 3)])
    episodes = (await api.data(EPISODES, first=1))["serviceEpisodes"]
    assert (episodes["totalCount"], episodes["pageInfo"]["hasNextPage"]) == (2, True)
    rest = (await api.data(EPISODES, first=5, after=episodes["pageInfo"]["endCursor"]))["serviceEpisodes"]
    assert len(rest["edges"]) == 1 and rest["pageInfo"]["hasNextPage"] is False
    deliveries = (await api.data(DELIVERIES, first=2))["deliveries"]
    assert (deliveries["totalCount"], len(deliveries["edges"]), deliveries["pageInfo"]["hasNextPage"]) == (3, 2, True)


def _cursor(text: str) -> str:
    return base64.urlsafe_b64encode(text.encode()).decode().rstrip("=")


@pytest.mark.parametrize("after", [
    "not-a-cursor", "!!!", "", _cursor("client:abc"), _cursor("client:-1"), _cursor("client:99999999999"),
    _cursor("episode:1"), _cursor("client"), "Y2xpZW50OjE====x",
])
async def test_an_invalid_cursor_is_a_clear_error(api, after):
    body = await api(CLIENTS, first=2, after=after)
    [error] = body["errors"]
    assert error["extensions"] == {"code": "BAD_USER_INPUT", "field": "after"}
    assert "cursor" in error["message"]
    assert body["data"] is None


async def test_a_cursor_of_another_list_is_refused(api):
    client = await api.register()
    episode = await api.start(client["id"])
    cursor = (await api.data(EPISODES, first=1))["serviceEpisodes"]["pageInfo"]["endCursor"]
    assert episode["id"]
    body = await api(CLIENTS, first=2, after=cursor)
    assert body["errors"][0]["extensions"]["code"] == "BAD_USER_INPUT"


@pytest.mark.parametrize("first", [-1, 101, 2**31 - 1])
async def test_page_size_is_limited(api, first):
    body = await api(CLIENTS, first=first)
    [error] = body["errors"]
    assert error["extensions"] == {"code": "BAD_USER_INPUT", "field": "first"}
    assert "between 0 and 100" in error["message"]
