"""The field log (民情日志) through the API: idempotent writes by client_key, the day
(today in Asia/Shanghai by default, not in the future, at most 30 days back), at least one
text, and the search (ILIKE with the user's %, _ and \\ taken literally) limited by scope.
Each test runs rolled back."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import func, select

from gridapp.core.clock import local_today
from gridapp.extensions import db
from gridapp.models import FieldLog
from tests.conftest import login
from tests.world import World


def write(client: FlaskClient, world: World, cell: str = "A1N", **body: Any) -> Any:
    payload = {"client_key": "log-key-0001", "cell_id": world.cells[cell], **body}
    if "seen" not in body and "problems" not in body:
        payload["seen"] = "走访了三号楼"
    return client.post("/api/field-logs", json=payload)


def _rows(app: Flask) -> int:
    with app.app_context():
        return int(db.session.scalar(select(func.count()).select_from(FieldLog)) or 0)


def test_an_entry_is_stored_once_for_today_and_a_retry_answers_it(
    app: Flask, world: World, db_session: None, as_field: FlaskClient
) -> None:
    first = write(as_field, world, problems="  路灯不亮  ")
    assert first.status_code == 201, first.json
    entry = first.json
    assert entry["duplicate"] is False and entry["day"] == local_today().isoformat()
    assert (entry["seen"], entry["problems"]) == ("", "路灯不亮")
    assert (entry["user_name"], entry["cell_id"]) == ("t_field", world.cells["A1N"])
    again = write(as_field, world, problems="改过的文字")
    assert again.status_code == 200
    assert again.json["duplicate"] is True and again.json["id"] == entry["id"]
    assert again.json["problems"] == "路灯不亮"  # the stored entry, not the new text
    assert _rows(app) == 1


def test_a_key_another_user_sent_is_a_409(
    app: Flask, world: World, db_session: None, as_field: FlaskClient
) -> None:
    assert write(as_field, world).status_code == 201
    response = write(login(app.test_client(), "t_manager"), world)
    assert response.status_code == 409 and "client_key" in response.json["message"]
    assert _rows(app) == 1


@pytest.mark.parametrize(
    ("body", "words"),
    [
        ({"seen": " ", "problems": ""}, "至少填写"),
        ({"day": (local_today() + timedelta(days=1)).isoformat()}, "晚于今天"),
        ({"day": (local_today() - timedelta(days=31)).isoformat()}, "最近 30 天"),
        ({"seen": "字" * 2001}, "“所见所闻”最多 2000 个字"),
    ],
)
def test_an_entry_breaking_a_rule_is_a_422_in_chinese(
    app: Flask,
    world: World,
    db_session: None,
    as_field: FlaskClient,
    body: dict[str, Any],
    words: str,
) -> None:
    response = write(as_field, world, **body)
    assert response.status_code == 422, response.json
    assert words in response.json["message"]
    assert _rows(app) == 0


def test_an_entry_may_be_written_up_to_30_days_back(
    world: World, db_session: None, as_field: FlaskClient
) -> None:
    day = (local_today() - timedelta(days=30)).isoformat()
    response = write(as_field, world, day=day)
    assert response.status_code == 201 and response.json["day"] == day


def test_permission_comes_before_the_body(
    app: Flask, world: World, db_session: None, as_field: FlaskClient
) -> None:
    coordinator = login(app.test_client(), "t_coordinator")
    assert write(coordinator, world, day="明天").status_code == 403  # the role never writes
    assert write(as_field, world, "A1S", day="明天").status_code == 403  # not their cell
    bad = write(as_field, world, day="明天", client_key="x")
    assert bad.status_code == 400 and "日期" in bad.json["message"]
    assert _rows(app) == 0


TEXTS = [
    ("A1N", "t_field", "k-north-001", "打折 100% 的广告贴满楼道", ""),
    ("A1N", "t_field", "k-north-002", "", "电梯 1000 次运行后异响"),
    ("A1S", "t_manager", "k-south-001", "小区门口积水", "下水道_堵塞"),
    ("B1X", "t_admin", "k-other-001", "积水严重", ""),
]


@pytest.fixture
def entries(app: Flask, world: World, db_session: None) -> dict[str, int]:
    ids = {}
    for cell, username, key, seen, problems in TEXTS:
        response = write(
            login(app.test_client(), username),
            world,
            cell,
            client_key=key,
            seen=seen,
            problems=problems,
        )
        assert response.status_code == 201, response.json
        ids[key] = response.json["id"]
    return ids


def _found(client: FlaskClient, **query: Any) -> list[int]:
    response = client.get("/api/field-logs", query_string=query)
    assert response.status_code == 200, response.json
    return sorted(e["id"] for e in response.json["items"])


def test_search_finds_words_in_either_text_and_takes_wildcards_literally(
    app: Flask, entries: dict[str, int]
) -> None:
    admin = login(app.test_client(), "t_admin")
    assert _found(admin, q="积水") == sorted([entries["k-south-001"], entries["k-other-001"]])
    assert _found(admin, q="堵塞") == [entries["k-south-001"]]  # in 发现的问题
    assert _found(admin, q="100%") == [entries["k-north-001"]]  # not "1000"
    assert _found(admin, q="_") == [entries["k-south-001"]]  # not every entry
    assert _found(admin, q="%") == [entries["k-north-001"]]
    assert _found(admin, q="积水 门口") == [entries["k-south-001"]]  # every word
    assert _found(admin, q="没有这句话") == []


def test_search_is_limited_to_the_scope(app: Flask, world: World, entries: dict[str, int]) -> None:
    coordinator = login(app.test_client(), "t_coordinator")
    assert _found(coordinator, q="积水") == [entries["k-south-001"]]  # B1X is not theirs
    assert len(_found(coordinator)) == 3
    field = login(app.test_client(), "t_field")
    assert _found(field, q="积水") == []
    assert _found(field) == sorted([entries["k-north-001"], entries["k-north-002"]])
    outside = field.get("/api/field-logs", query_string={"cell_id": world.cells["A1S"]})
    assert outside.status_code == 403
    assert _found(coordinator, cell_id=world.cells["A1S"]) == [entries["k-south-001"]]
    assert _found(coordinator, user_id=world.users["t_field"]) == sorted(
        [entries["k-north-001"], entries["k-north-002"]]
    )


def test_entries_are_newest_first_and_filtered_by_day(
    app: Flask, world: World, entries: dict[str, int]
) -> None:
    field = login(app.test_client(), "t_field")
    older = (local_today() - timedelta(days=3)).isoformat()
    write(field, world, client_key="k-north-old", seen="三天前", day=older)
    items = field.get("/api/field-logs").json["items"]
    assert [e["seen"] for e in items][-1] == "三天前"
    assert items[0]["id"] == entries["k-north-002"]  # same day: the later entry first
    assert [e["seen"] for e in _page(field, date_to=older)] == ["三天前"]
    assert "三天前" not in [e["seen"] for e in _page(field, date_from=local_today().isoformat())]


def _page(client: FlaskClient, **query: Any) -> list[dict[str, Any]]:
    items: list[dict[str, Any]] = client.get("/api/field-logs", query_string=query).json["items"]
    return items
