"""The ``organisations`` journey's use cases, one module per resource: ``tree`` (party
organisations, teams, grid workers), ``assignments`` (who answers for a cell), ``members``
(members of a cell, 党员中心户, 责任区, 报到, zones and units), ``coverage`` (organisation
coverage, 组织覆盖, and its export), ``imports`` (bulk import; rows checked in
``import_rows``, written by ``import_writes``); ``access`` says who may do what."""
