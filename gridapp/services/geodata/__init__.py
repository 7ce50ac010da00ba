"""Geodata folders (the base of the ``imports`` journey to come): ``folders`` reads and
writes a subdistrict as a GeoPackage plus JSON; ``loading`` loads one into the database
(places in ``loading_places``, people and grid work in ``loading_people``). Used by cli.py."""
