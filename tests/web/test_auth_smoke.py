from flask.testing import FlaskClient


def test_map_page_redirects_to_login_when_logged_out(client: FlaskClient) -> None:
    response = client.get("/")
    assert response.status_code == 302
    assert "/login" in response.headers["Location"]


def test_api_answers_401_json_when_logged_out(client: FlaskClient) -> None:
    response = client.get("/api/cells")
    assert response.status_code == 401
    assert response.json is not None and response.json["message"] == "请先登录"


def test_coordinator_sees_only_own_subdistrict_cells(as_coordinator: FlaskClient) -> None:
    body = as_coordinator.get("/api/cells").json
    assert body is not None
    codes = sorted(f["properties"]["code"] for f in body["features"])
    assert codes == ["110199001001001", "110199001001002", "110199001002001", "110199001002002"]


def test_the_favicon_is_served_to_anyone(client: FlaskClient) -> None:
    with client.get("/favicon.ico") as response:  # closes the file the answer streams
        assert response.status_code == 200 and response.mimetype == "image/png"
        assert response.data.startswith(b"\x89PNG")
