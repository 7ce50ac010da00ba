"""Login and logout; every other route requires a logged-in user."""

from __future__ import annotations

from flask import (
    Blueprint,
    current_app,
    flash,
    jsonify,
    redirect,
    render_template,
    request,
    url_for,
)
from flask_login import (
    LoginManager,
    UserMixin,
    current_user,
    login_required,
    login_user,
    logout_user,
)
from flask_wtf import FlaskForm
from flask_wtf.csrf import CSRFError
from werkzeug.wrappers import Response
from wtforms import PasswordField, StringField
from wtforms.validators import DataRequired, Length

from gridapp.core.vocab import Role
from gridapp.errors import HTTP_MESSAGES, wants_json
from gridapp.services import auth

bp = Blueprint("auth", __name__)

# Endpoints reachable without logging in.
PUBLIC_ENDPOINTS = frozenset({"auth.login", "auth.favicon", "static"})


@bp.get("/favicon.ico")
def favicon() -> Response:
    """The app's icon where browsers look for it unasked (a file opened directly, an error
    page), so they never log a 404 for it."""
    return current_app.send_static_file("img/field-icon-192.png")


class LoginForm(FlaskForm):
    username = StringField(
        "用户名",
        validators=[DataRequired("请输入用户名"), Length(max=50, message="用户名最多 50 个字")],
    )
    password = PasswordField(
        "密码",
        validators=[DataRequired("请输入密码"), Length(max=200, message="密码最多 200 个字")],
    )


def init_login(manager: LoginManager) -> None:
    manager.login_view = "auth.login"
    manager.login_message = "请先登录"
    manager.login_message_category = "info"

    @manager.user_loader
    def load_user(user_id: str) -> UserMixin | None:
        return auth.load_user(user_id)

    @manager.unauthorized_handler
    def unauthorized() -> Response | tuple[Response, int]:
        if wants_json():
            return jsonify(
                {"code": 401, "status": "Unauthorized", "message": HTTP_MESSAGES[401]}
            ), 401
        return redirect(url_for("auth.login", next=request.full_path.rstrip("?")))


@bp.before_app_request
def require_login() -> Response | tuple[Response, int] | None:
    if request.endpoint in PUBLIC_ENDPOINTS or current_user.is_authenticated:
        return None
    from flask import current_app

    return current_app.login_manager.unauthorized()  # type: ignore[attr-defined]


@bp.app_errorhandler(CSRFError)
def csrf_failed(err: CSRFError) -> Response | tuple[Response, int]:
    """A form without a valid CSRF token: ask the user to submit it again."""
    message = "页面已过期或请求来源无效，请刷新页面后重试"
    if wants_json():
        return jsonify({"code": 400, "status": "Bad Request", "message": message}), 400
    flash(message, "error")
    return redirect(url_for("auth.login" if request.endpoint == "auth.login" else "map.index"))


def _landing() -> str:
    """Where a user lands after logging in: a grid worker on 我的网格 (the field pages,
    made for the phone), everyone else on the map."""
    if current_user.role == Role.FIELD_STAFF.value:
        return url_for("field.home")
    return url_for("map.index")


def _safe_next(target: str | None) -> str:
    """Only local paths are followed after login (no open redirect)."""
    if target and target.startswith("/") and not target.startswith("//") and "\\" not in target:
        return target
    return _landing()


@bp.route("/login", methods=["GET", "POST"])
def login() -> str | Response:
    if current_user.is_authenticated:
        return redirect(_landing())
    form = LoginForm()
    if form.validate_on_submit():
        user = auth.authenticate(form.username.data, form.password.data or "")
        if user is not None:
            login_user(user)
            return redirect(_safe_next(request.args.get("next")))
        flash("用户名或密码错误", "error")
    return render_template("auth/login.html", form=form)


@bp.post("/logout")
@login_required
def logout() -> Response:
    logout_user()
    flash("已退出登录", "info")
    response = redirect(url_for("auth.login"))
    # The browser's HTTP cache may keep private answers (photos are Cache-Control: private).
    # The field pages' offline copies (service worker caches, with household names) are
    # deleted before the form is sent, by static/js/common/offline-session.js.
    response.headers["Clear-Site-Data"] = '"cache"'
    return response
