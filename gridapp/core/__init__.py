"""Pure domain core: no Flask, no SQLAlchemy. Takes and returns Shapely geometries,
numpy arrays and dataclasses."""
