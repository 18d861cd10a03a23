"""The edges (接口层): CLI, HTTP API, dashboard, exports."""
