"""The ``field`` journey (网格员 on a phone): the household records of a cell, read by name
only inside the reader's cells and logged on every read, and household counts for everyone
in scope; events (事件上报), the field log (民情日志), their photos, and the cell sheet
(网格档案)."""

from gridapp.services.field.access import access_log
from gridapp.services.field.counts import household_counts
from gridapp.services.field.households import cell_households, household

__all__ = ["access_log", "cell_households", "household", "household_counts"]
