"""The ``field`` journey (网格员 on a phone): the household records of a cell, read by name
only inside the reader's cells and logged on every read, household counts for everyone in
scope, visits (走访) and the "四访" due list, the user's cells, events (事件上报), the field
log (民情日志), their photos, and the cell sheet (网格档案)."""

from gridapp.services.field.access import access_log
from gridapp.services.field.counts import household_counts
from gridapp.services.field.households import cell_households, household
from gridapp.services.field.my_cells import my_cells
from gridapp.services.field.photos import read_upload
from gridapp.services.field.reminders import due, due_list
from gridapp.services.field.visits import (
    VisitInput,
    authorize_visit,
    list_visits,
    recent_visits,
    record_visit,
)

__all__ = [
    "VisitInput",
    "access_log",
    "authorize_visit",
    "cell_households",
    "due",
    "due_list",
    "household",
    "household_counts",
    "list_visits",
    "my_cells",
    "read_upload",
    "recent_visits",
    "record_visit",
]
