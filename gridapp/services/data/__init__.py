"""The ``data`` journey (数据导入导出): the export of layers as files another GIS or a
spreadsheet opens (``export.py``: the map's layers in ``layers``, household counts in
``counts``, the coverage tables in ``coverage``), and the import of a subdistrict's own
files (``imports``, read and written in the background by ``jobs``)."""

from gridapp.services.data import imports
from gridapp.services.data.export import LAYERS, export_communities, export_layer
from gridapp.services.data.frames import Selection, WalkParams

__all__ = ["LAYERS", "Selection", "WalkParams", "export_communities", "export_layer", "imports"]
