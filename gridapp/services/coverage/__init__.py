"""The ``coverage`` journey's use cases: work coverage (工作覆盖) of the 15-minute service
circles. ``network`` caches a subdistrict's walking network, ``report`` computes who lies
within a walk of a station (per building, cell and community) and the gaps, ``circles``
draws the circles, ``planning`` answers what-if scenarios and suggests sites.
Organisation coverage (组织覆盖) is ``services.organisations.coverage``."""
