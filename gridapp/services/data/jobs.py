"""Background work of imports: reading a file and committing it run off the request, in a
small thread pool of the app process, and report progress on the import's row.

A request starts the work and answers at once (202); the page polls the import for its
progress. ``IMPORT_JOBS_INLINE`` runs the work inside the request instead (tests whose
writes are rolled back, so a thread could not see them). Progress is written on its own
connection and committed at once, so it shows while the work's transaction is open; the
work itself must therefore not lock the import's row before its last step.

A job that stops updating its row for ``IMPORT_STALE_MINUTES`` (the server restarted under
it) is reported as failed by ``mark_stale``. At city scale this pool is the place for a
real queue (RQ, Celery) without changing the import's row or its API.
"""

from __future__ import annotations

from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from datetime import timedelta
from typing import Any

from flask import Flask, current_app
from sqlalchemy import func, update

from gridapp.extensions import db
from gridapp.models import ImportJob

EXECUTOR = "gridapp_jobs"
WORKERS = 2


def run(work: Callable[..., None], *args: Any, background: bool = True) -> None:
    """Run ``work(*args)`` in the background (or now: ``background`` False, or the setting
    ``IMPORT_JOBS_INLINE``)."""
    app: Flask = current_app._get_current_object()  # type: ignore[attr-defined]
    if not background or app.config.get("IMPORT_JOBS_INLINE"):
        work(*args)
        return
    executor = app.extensions.get(EXECUTOR)
    if executor is None:
        executor = ThreadPoolExecutor(max_workers=WORKERS, thread_name_prefix="gridapp-job")
        app.extensions[EXECUTOR] = executor
    executor.submit(_in_app_context, app, work, *args)


def _in_app_context(app: Flask, work: Callable[..., None], *args: Any) -> None:
    with app.app_context():
        try:
            work(*args)
        except Exception:  # the work records its own failures; this is the last resort
            app.logger.exception("background job %s failed", getattr(work, "__name__", work))


def progress(job_id: int, percent: int, stage: str) -> None:
    """Record how far a job is, on a connection of its own (committed at once)."""
    with db.engine.begin() as conn:
        conn.execute(
            update(ImportJob)
            .where(ImportJob.id == job_id, ImportJob.status.in_(("reading", "committing")))
            .values(progress=max(0, min(100, percent)), stage=stage, updated_at=func.now())
        )


def mark_stale(job: ImportJob) -> None:
    """A job still "running" whose row has not moved for a long time has died."""
    if job.status not in ("reading", "committing"):
        return
    minutes = int(current_app.config.get("IMPORT_STALE_MINUTES", 30))
    now = db.session.scalar(func.now())
    if now is not None and job.updated_at < now - timedelta(minutes=minutes):
        was_committing = job.status == "committing"
        job.status = "failed"
        job.error = {
            "code": 500,
            "status": "interrupted",
            "message": "导入中断（服务器可能重启过），"
            + ("数据没有写入，" if was_committing else "")
            + "请重新上传文件",
        }
        db.session.commit()
