"""Wiring, the top layer of shared/: the composition roots that build each capability's adapters from settings.

Beside shared.notifications (the notifications router), it alone may import every layer below: capability logic
(connections, oauth, orders, inventory), the sync engine (shared.sync), the adapters and the bottom layer. functions/
and cli/ import these and anything below. The contracts are in pyproject.toml [tool.importlinter].
"""
