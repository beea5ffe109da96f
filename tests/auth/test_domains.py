"""Domain paths: the one canonical spelling is accepted, every trick is refused (fail closed)."""

import pytest

from core.auth.domains import DomainCatalogue, covers
from core.auth.errors import InvalidDomain
from core.auth.policy import within


@pytest.fixture(scope="module")
def catalogue() -> DomainCatalogue:
    return DomainCatalogue.from_plugins()


@pytest.mark.parametrize(
    "path, level, region, municipality",
    [
        ("lv", "national", None, None),
        ("lv/zemgale", "region", "zemgale", None),
        ("lv/zemgale/0003000", "municipality", "zemgale", "0003000"),
        ("lv/kurzeme/0005000", "municipality", "kurzeme", "0005000"),
    ],
)
def test_canonical_paths(catalogue, path, level, region, municipality):
    domain = catalogue.parse(path)
    assert (domain.path, domain.level, domain.region, domain.municipality) == (
        path,
        level,
        region,
        municipality,
    )


ATTACKS = [
    ("lv/zemgale/../kurzeme", "'..'"),
    ("lv/zemgale/..", "'..'"),
    ("lv/./zemgale", "'..'"),
    ("lv/zemgale*", "'*'"),
    ("lv/*", "'*'"),
    ("lv/zemgale/%", "'%'"),
    ("lv/zemgale%2f..", "'%'"),
    ("lv/zemgale/", "end with '/'"),
    ("lv/", "end with '/'"),
    ("lv//zemgale", "empty"),
    ("/lv/zemgale", "empty"),
    ("LV/zemgale", "lower case"),
    ("lv/Zemgale", "lower case"),
    ("lv/zemgale/0003000/x", "at most three"),
    (" lv/zemgale", "spaces"),
    ("lv/zemgale\n", "spaces"),
    ("lv/zemgale,lv", "','"),
    ("lv\\zemgale", "'\\\\'"),
    ("ee/zemgale", "starts with 'lv'"),
    ("", "empty"),
    ("lv/atlantis", "not a known planning region"),
    ("lv/zemgale/0005000", "not a current municipality"),  # Liepāja is in Kurzeme
    ("lv/zemgale/jelgavas-pilseta-2009", "not a current municipality"),  # historic: grant its successor
    ("lv/zemgale/9999999", "not a current municipality"),
    ("lv/zemgale/-x", "not a valid part"),
    ("lv/zemg ale", "not a valid part"),
    ("lv/" + "a" * 300, "at most"),
]


@pytest.mark.parametrize("path, reason", ATTACKS)
def test_tricks_are_refused_with_a_reason(catalogue, path, reason):
    with pytest.raises(InvalidDomain) as caught:
        catalogue.parse(path)
    assert reason.lower() in caught.value.message.lower()
    assert caught.value.code == "INVALID_DOMAIN" and caught.value.field == "domain"


@pytest.mark.parametrize("value", [None, 5, ["lv"], {"lv": 1}])
def test_non_text_is_refused(catalogue, value):
    with pytest.raises(InvalidDomain):
        catalogue.parse(value)


@pytest.mark.parametrize(
    "outer, inner, expected",
    [
        ("lv", "lv/zemgale/0003000", True),
        ("lv/zemgale", "lv/zemgale", True),
        ("lv/zemgale", "lv/zemgale/0003000", True),
        ("lv/zemgale/0003000", "lv/zemgale", False),
        ("lv/zemgale", "lv/zemgalex", False),  # a prefix of the text is not a parent
        ("lv/zemgale", "lv/kurzeme", False),
        ("lv/zemgale/0003000", "lv/zemgale/0030000", False),
    ],
)
def test_covers(outer, inner, expected):
    assert covers(outer, inner) is expected
    assert within(inner, outer) is expected


@pytest.mark.parametrize(
    "request_domain, policy_domain",
    [
        ("lv/zemgale/../kurzeme", "lv/zemgale"),
        ("lv/zemgale*", "lv/zemgale"),
        ("lv/zemgale/", "lv/zemgale"),
        ("LV/ZEMGALE", "lv"),
        ("lv/kurzeme", "lv/*"),
        (None, "lv"),
    ],
)
def test_the_casbin_matcher_never_matches_a_malformed_path(request_domain, policy_domain):
    assert within(request_domain, policy_domain) is False


def test_a_municipality_covers_its_predecessors(catalogue):
    jelgava = catalogue.parse("lv/zemgale/0003000")
    assert catalogue.municipalities_under(jelgava) == {"0003000", "jelgavas-pilseta-2009"}
    jekabpils = catalogue.municipalities_under(catalogue.parse("lv/zemgale/0031000"))
    assert {"0031000", "jekabpils-pilseta-2009", "krustpils-novads-2009", "salas-novads-2009"} <= jekabpils
    assert "jelgavas-pilseta-2009" not in jekabpils
    assert catalogue.municipalities_under(catalogue.parse("lv/zemgale")) is None
    assert catalogue.municipality_domain("jelgavas-pilseta-2009") == "lv/zemgale/0003000"
    assert catalogue.municipality_domain("0028000") == "lv/zemgale/0028000"
