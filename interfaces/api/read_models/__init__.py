"""The read models' GETs (读模型查询), one module per read model: its routes, its query
parameters and its OpenAPI examples (``audit_trail``, ``timeliness``, ``scorecards``,
``worklists``). Shared: ``common`` (dependencies, parameters, edge checks, example page),
``access`` (the caller's scope as filters, a read connection, the query context) and
``hooks`` (read-your-writes waits and the lag /health shows).
"""
