"""Order import: Amazon orders into the orders table and onto the bus, by polling and by ORDER_CHANGE notifications.

README, "Orders". `sync.py` is the polling sync type, `notifications.py` the ORDER_CHANGE consumer; both store and
publish through `apply.py`.
"""

# The sync type's name (its function, queue, schedule and status item are derived from it in infra/config.py).
SYNC_TYPE = "orders"
# Amazon's notification type the connection subscribes to.
ORDER_CHANGE = "ORDER_CHANGE"
