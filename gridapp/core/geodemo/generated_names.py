"""Chinese name lists for the generated demo subdistrict (all places are fictional)."""

from __future__ import annotations

import numpy as np

SUBDISTRICT_NAME = "朝晖示范街道"
DISTRICT_CODE = "110105"
DISTRICT_NAME = "朝阳区"
SUBDISTRICT_CODE = "021"
RIVER_NAME = "晓溪河"
PARK_NAME = "晓溪河滨公园"
SUBDISTRICT_OFFICE = "朝晖街道办事处"
SUBDISTRICT_CENTRE = "朝晖街道党群服务中心"


def _words(text: str) -> tuple[str, ...]:
    return tuple(text.split())


# Two-character place stems; combined with suffixes below into unique names.
PLACES = _words(
    """
    光华 景华 金台 朝晖 晓溪 甜水 红庙 百子 延静 团结 呼家 关东 秀水 永安 瑞和
    嘉里 东湖 柳芳 芳园 枣营 霄云 华贸 金隅 阳光 和平 幸福 星河 翠微 锦绣 青年
    新源 安华 惠新 兴隆 龙潭 南湖 樱花 紫竹 松榆 双花 石佛 太阳 远洋 丽都 望湖
    富华 春晖 晨光 育新 康乐 怡景 润泽 京华 长虹 建华 文华 德胜 广渠 南磨 北苑
    """
)
NS_ARTERIAL_SUFFIXES = ("路", "东路", "西路", "北路")
EW_ARTERIAL_SUFFIXES = ("大街", "路", "北路", "南路")
SECONDARY_SUFFIXES = ("街", "中街", "二路", "东街")
RESIDENTIAL_SUFFIXES = ("北街", "南街", "西街", "东街", "一巷", "二巷", "里路")
LANE_SUFFIXES = ("胡同", "头条", "二条", "三条", "东巷", "西巷")
COMPOUND_SUFFIXES = _words(
    """
    家园 小区 花园 北里 南里 西里 东里 公寓 嘉园 雅苑 名苑 新村 佳苑
    北里一区 北里二区 南里一区 西里二区 东里三区
    """
)
OFFICE_SUFFIXES = ("大厦", "中心", "国际中心", "广场", "商务楼", "金融中心")
SHOP_SUFFIXES = ("购物中心", "商场", "超市", "菜市场", "商业楼")
SCHOOL_SUFFIXES = ("小学", "中学", "实验学校", "第二小学")
PUBLIC_SUFFIXES = ("派出所", "养老院", "社区卫生服务中心", "文化活动中心")
CENTRE_SUFFIX = "社区党群服务中心"
HOSPITAL_SUFFIX = "医院"


class NamePool:
    """Hands out unique names ``place + suffix`` in a seeded, reproducible order."""

    def __init__(self, rng: np.random.Generator) -> None:
        self._rng = rng
        self._used: set[str] = set()

    def take(self, suffixes: tuple[str, ...]) -> str:
        for _ in range(200):
            place = PLACES[int(self._rng.integers(len(PLACES)))]
            suffix = suffixes[int(self._rng.integers(len(suffixes)))]
            name = place + suffix
            if name not in self._used:
                self._used.add(name)
                return name
        # Exhausted random tries: fall back to a deterministic numbered name.
        name = f"{PLACES[0]}{suffixes[0]}{len(self._used) + 1}"
        self._used.add(name)
        return name
