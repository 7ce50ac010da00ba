"""The demo's field log (民情日志): every grid worker's entries for most working days of the
two weeks before ``DEMO_TODAY``, each in one of their own cells, with what they saw and
sometimes the problems they found — short texts put together from a few parts so that no
two weeks read alike. Deterministic (fixed seed), shifted to the day of loading like the
visits (``services/geodata/loading_field``).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import timedelta
from typing import TYPE_CHECKING

import numpy as np

from gridapp.core.geodemo.visits import DEMO_TODAY

if TYPE_CHECKING:
    from gridapp.core.geodemo.grid_work import WorkerOut

DAYS_BACK = 14  # the entries cover the 14 days before DEMO_TODAY
SHARE_WRITTEN = 0.85  # of a worker's working days (Monday to Friday)
SHARE_WITH_PROBLEM = 0.4

# seen = ROUND + "，" + SIGHT [+ "，" + FOLLOW_UP]
ROUNDS = (
    "上午巡查网格内各楼栋",
    "下午沿主要道路巡查一圈",
    "早上在小区门口值守",
    "入户走访困难家庭",
    "到党员中心户家中了解情况",
    "与楼门长一起巡楼",
    "在便民服务站接待居民",
    "配合物业开展安全检查",
)
SIGHTS = (
    "整体环境整洁",
    "居民生活秩序正常",
    "老人们在楼下晒太阳聊天",
    "快递车辆停放较乱",
    "垃圾分类投放情况较好",
    "商铺经营正常",
    "楼道基本畅通",
    "志愿者在清理小广告",
    "有居民在健身器材处锻炼",
    "施工围挡设置规范",
)
FOLLOW_UPS = (
    "向居民宣传了防诈骗知识",
    "提醒居民注意用电安全",
    "收集了居民对停车的意见",
    "登记了两位新搬来的住户",
    "发放了冬季防火宣传单",
    "帮一位老人预约了社区义诊",
)
PROBLEMS = (
    "楼道堆放杂物，已提醒住户清理",
    "有电动车在楼道充电，已劝导",
    "路灯不亮，已报物业",
    "居民反映下水道有异味",
    "绿化带有垃圾，需要清运",
    "独居老人近期身体不适，需持续关注",
    "单元门禁损坏",
    "小区内车辆乱停，影响消防通道",
    "居民反映楼上噪音扰民",
)


@dataclass
class LogOut:
    key: str  # the entry's client_key: demo-log-<subdistrict code>-<n>
    cell_code: str  # one of the worker's cells
    worker: str  # the grid worker's username
    day: str  # ISO date, before DEMO_TODAY
    seen: str
    problems: str


def field_log_history(
    workers: Sequence[WorkerOut], subdistrict_code: str, seed: int
) -> list[LogOut]:
    """Entries per worker, oldest day first: one on most working days, at most one a day."""
    rng = np.random.default_rng(seed + 53)
    days = [DEMO_TODAY - timedelta(days=d) for d in range(DAYS_BACK, 0, -1)]
    working = [d for d in days if d.weekday() < 5]
    out: list[LogOut] = []
    for w in workers:
        if not w.cells:
            continue
        for day in working:
            if rng.random() >= SHARE_WRITTEN:
                continue
            parts = [_pick(rng, ROUNDS), _pick(rng, SIGHTS)]
            if rng.random() < 0.5:
                parts.append(_pick(rng, FOLLOW_UPS))
            problems = _pick(rng, PROBLEMS) if rng.random() < SHARE_WITH_PROBLEM else ""
            out.append(
                LogOut(
                    key=f"demo-log-{subdistrict_code}-{len(out) + 1}",
                    cell_code=w.cells[int(rng.integers(len(w.cells)))],
                    worker=w.username,
                    day=day.isoformat(),
                    seen="，".join(parts),
                    problems=problems,
                )
            )
    return out


def _pick(rng: np.random.Generator, texts: tuple[str, ...]) -> str:
    return texts[int(rng.integers(len(texts)))]
