"""The ``data`` journey (数据导入导出): the export of layers as files another GIS opens
(``export``), and the import of a subdistrict's own files (``imports``, read and written
in the background by ``jobs``)."""

from gridapp.services.data import imports
from gridapp.services.data.export import LAYERS, export_communities, export_layer

__all__ = ["LAYERS", "export_communities", "export_layer", "imports"]
