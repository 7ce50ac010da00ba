"""The ``data`` journey (数据导入导出): today the export of layers as files another GIS
opens (``export.py``); the import of a subdistrict's own files comes next (issue 11)."""

from gridapp.services.data.export import LAYERS, export_layer

__all__ = ["LAYERS", "export_layer"]
