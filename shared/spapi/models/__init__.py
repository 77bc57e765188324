"""Pydantic models of the SP-API payloads we send and the response fields we use, one module per API."""
