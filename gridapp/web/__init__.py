"""Routes, one package per journey (listed in ``gridapp.web.journeys``): each parses the
request, calls a service and renders a page or answers JSON. Pieces several journeys share
live in ``common.py``, ``validation.py`` and ``mapframe.py``."""
