"""The ``quality`` journey's use cases: the partition check (``check``) of a community or a
subdistrict, and partition proposals (``proposal``): a draft of cells made of whole blocks,
accepted as one validated save."""
