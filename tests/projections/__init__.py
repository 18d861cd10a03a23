"""Tests of the read side: read models, the projection runtime, the ledger sealer."""
