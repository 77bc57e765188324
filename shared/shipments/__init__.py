"""Shipments and cancellations back to Amazon: validate what the warehouse says, confirm it, verify Amazon took it."""
