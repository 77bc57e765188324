"""Running the sandbox: SandboxServer (background thread, for tests) and run() (foreground, for the CLI)."""

import logging
import threading
from typing import Any

from werkzeug.serving import BaseWSGIServer, make_server

from local.sandbox.app import create_app, sandbox_of
from local.sandbox.clock import ScaledClock
from local.sandbox.config import SandboxConfig
from local.sandbox.world import NotificationSender, Sandbox

logger = logging.getLogger(__name__)
DEFAULT_PORT = 8600
TICK_SECONDS = 0.2


class SandboxServer:
    """The sandbox on 127.0.0.1 in a background thread; port 0 picks a free port. Also a context manager."""

    def __init__(
        self,
        config: SandboxConfig | None = None,
        port: int = 0,
        host: str = "127.0.0.1",
        clock: ScaledClock | None = None,
        sender: NotificationSender | None = None,
    ) -> None:
        self.app = create_app(config or SandboxConfig(), clock=clock, sender=sender)
        self._server: BaseWSGIServer = make_server(host, port, self.app, threaded=True)
        self._host = host
        self._threads: list[threading.Thread] = []
        self._stopping = threading.Event()

    @property
    def port(self) -> int:
        """The bound port."""
        return int(self._server.server_port)

    @property
    def url(self) -> str:
        """Base URL of every endpoint (LWA, consent, SP-API, /_sandbox)."""
        return f"http://{self._host}:{self.port}"

    @property
    def sandbox(self) -> Sandbox:
        """The world behind the server (tests may read it directly)."""
        return sandbox_of(self.app)

    def start(self) -> "SandboxServer":
        """Starts serving and ticking (arrivals, feed steps, notifications happen without requests)."""
        self._stopping.clear()
        self._threads = [
            threading.Thread(target=self._server.serve_forever, name="sandbox-http", daemon=True),
            threading.Thread(target=self._tick_loop, name="sandbox-tick", daemon=True),
        ]
        for thread in self._threads:
            thread.start()
        return self

    def stop(self) -> None:
        """Stops serving and ticking and frees the port."""
        self._stopping.set()
        self._server.shutdown()
        for thread in self._threads:
            thread.join(timeout=5)
        self._server.server_close()

    def __enter__(self) -> "SandboxServer":
        return self.start()

    def __exit__(self, *_: object) -> None:
        self.stop()

    def _tick_loop(self) -> None:
        while not self._stopping.wait(TICK_SECONDS):
            try:
                self.sandbox.tick()
            except Exception:  # noqa: BLE001 - keep ticking; one bad event must not stop the world
                logger.exception("sandbox tick failed")


def run(
    port: int = DEFAULT_PORT, time_scale: float = 1.0, seed: int = 1, host: str = "127.0.0.1", **options: Any
) -> None:
    """Runs the sandbox in the foreground until interrupted (the `sellersync sandbox` command calls this)."""
    config = SandboxConfig(seed=seed, time_scale=time_scale, **options)
    server = SandboxServer(config, port=port, host=host)
    print(describe(server))
    server.start()
    try:
        threading.Event().wait()
    except KeyboardInterrupt:
        pass
    finally:
        server.stop()


def describe(server: SandboxServer) -> str:
    """What a developer needs to point the app at the sandbox."""
    config = server.app.extensions["sandbox"].config
    sellers = server.sandbox.state.sellers.values()
    lines = [
        f"Local Amazon sandbox on {server.url} (seed {config.seed}, time x{config.time_scale})",
        f"  LWA token endpoint : {server.url}/auth/o2/token",
        f"  SP-API endpoints   : {server.url}/na | /eu | /fe (or {server.url} for any region)",
        f"  Seller Central     : {server.url}/na | /eu | /fe/apps/authorize/consent",
        f"  client id / secret : {config.client_id} / {config.client_secret}",
        f"  application id     : {config.application_id}",
        f"  redirect URIs      : {', '.join(config.redirect_uris)}",
        "  sellers            : " + ", ".join(f"{s.selling_partner_id} ({s.region})" for s in sellers),
        f"  inspection         : {server.url}/_sandbox/sellers",
    ]
    return "\n".join(lines)
