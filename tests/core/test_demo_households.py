"""The demo's household records (no database): one per household each building counts,
deterministic, a few percent in difficulty, consistent with the party members and hubs,
and part of the demo's fingerprint."""

from __future__ import annotations

from collections import Counter
from dataclasses import replace

import pytest

from gridapp.core.geodemo.generated import generate_subdistrict
from gridapp.core.geodemo.households import address, make_households
from gridapp.core.geodemo.pipeline import build_subdistrict
from gridapp.core.geodemo.result import SubdistrictResult
from gridapp.core.vocab import DIFFICULTY_TAGS, HOUSEHOLD_TAGS


@pytest.fixture(scope="module")
def demo() -> SubdistrictResult:
    return build_subdistrict(generate_subdistrict())


def test_every_building_has_exactly_its_households(demo: SubdistrictResult) -> None:
    per_building = Counter(h.building_ref for h in demo.households)
    for b in demo.buildings:
        assert per_building[b.raw.source_ref] == b.raw.households, b.raw.source_ref
    assert len(demo.households) == sum(c.households for c in demo.cells)
    assert demo.stats["household_records"] == len(demo.households) > 20000


def test_generation_is_deterministic(demo: SubdistrictResult) -> None:
    again = make_households(demo.buildings, demo.members, 20240601)
    assert again == demo.households
    other = make_households(demo.buildings, demo.members, 7)
    assert [h.head_name for h in other] != [h.head_name for h in demo.households]


def test_a_few_percent_are_in_difficulty_with_known_tags(demo: SubdistrictResult) -> None:
    hard = [h for h in demo.households if any(t in DIFFICULTY_TAGS for t in h.tags)]
    assert 0.02 <= len(hard) / len(demo.households) <= 0.08
    assert demo.stats["households_in_difficulty"] == len(hard)
    assert {t for h in hard for t in h.tags if t in DIFFICULTY_TAGS} == set(DIFFICULTY_TAGS)
    assert all(set(h.tags) <= set(HOUSEHOLD_TAGS) for h in demo.households)
    assert all(h.size == 1 for h in hard if "elderly_alone" in h.tags)
    assert all(1 <= h.size <= 6 for h in demo.households)


def test_party_households_agree_with_the_members_and_hubs(demo: SubdistrictResult) -> None:
    hubs = [m for m in demo.members if m.is_hub]
    centres = [h for h in demo.households if "party_centre" in h.tags]
    assert len(centres) == len(hubs) > 0
    assert {h.head_name for h in centres} <= {m.name for m in hubs}
    for h in centres:
        hub = next(m for m in hubs if m.name == h.head_name and m.phone == h.phone)
        assert hub.home_building_ref == h.building_ref
        assert "party_member" in h.tags
    at_home = [m for m in demo.members if m.home_building_ref]
    party = [h for h in demo.households if "party_member" in h.tags]
    assert 0.95 * len(at_home) <= len(party) <= len(at_home)


def test_names_and_addresses_look_chinese_and_are_unique_per_building(
    demo: SubdistrictResult,
) -> None:
    assert all(2 <= len(h.head_name) <= 3 for h in demo.households)
    assert all("\u4e00" <= h.head_name[0] <= "\u9fff" for h in demo.households)
    doors = Counter((h.building_ref, h.unit, h.room) for h in demo.households)
    assert max(doors.values()) == 1
    assert address("residential", 6, 0) == ("1单元", "101")
    assert address("residential", 6, 13) == ("2单元", "102")
    assert address("lowrise", 1, 4) == ("", "5号")


def test_the_fingerprint_covers_the_household_records(demo: SubdistrictResult) -> None:
    changed = list(demo.households)
    changed[0] = replace(changed[0], tags=["dibao"] if changed[0].tags != ["dibao"] else [])
    assert replace(demo, households=changed).fingerprint() != demo.fingerprint()
