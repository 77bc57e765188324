"""Shipments and cancellations back to Amazon (docs/shipments.md): validated against the stored order, sent
within Amazon's limits, verified, never sent twice."""
