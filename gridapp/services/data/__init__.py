"""The ``data`` journey (数据导入导出): today the export of layers as files another GIS or
a spreadsheet opens (``export.py``: the map's layers in ``layers``, household counts in
``counts``, the coverage tables in ``coverage``); the import of a subdistrict's own files
comes next (issue 11)."""

from gridapp.services.data.export import LAYERS, export_layer
from gridapp.services.data.frames import Selection, WalkParams

__all__ = ["LAYERS", "Selection", "WalkParams", "export_layer"]
