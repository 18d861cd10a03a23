"""Tests of the edges: HTTP API, CLI, web pages, exports, the importer, the demo."""
