"""Close sockets one after the other, each in its own event loop as the tests open them, and
count the loops that ended late or never (docs/realtime.md, "Cancellation").

    .venv/bin/python scripts/close_sockets.py [COUNT] [--backend DOTTED.PATH]

It uses the test settings (Redis db 1 unless EMS_TEST_REDIS_URL says otherwise, no database
write). `--backend channels_redis.core.RedisChannelLayer` measures the library's own layer.
"""

import argparse
import os
import sys
import threading
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "ems.settings.test")

HUNG_AFTER = 20  # seconds: a loop still open by then never closes


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("count", type=int, nargs="?", default=3000)
    parser.add_argument("--backend", default=None)
    args = parser.parse_args()

    import django

    django.setup()
    from asgiref.sync import async_to_sync
    from channels.layers import channel_layers
    from django.conf import settings

    if args.backend:
        settings.CHANNEL_LAYERS["default"]["BACKEND"] = args.backend
    backend = settings.CHANNEL_LAYERS["default"]["BACKEND"]

    from tests.sockets import communicator, receive_close

    async def close_one(path: str) -> None:
        socket = communicator(path, protocols=["ems.jwt", "not-a-token"])
        connected, _ = await socket.connect(timeout=2)
        if not connected:
            raise RuntimeError(f"{path}: the handshake was refused")
        await receive_close(socket)

    late = 0
    for number in range(1, args.count + 1):
        closed = threading.Event()

        def watchdog(number=number, late=late, closed=closed):
            if not closed.wait(HUNG_AFTER):
                print(f"{backend}: hung at socket {number} ({late} late before)", flush=True)
                os._exit(3)

        threading.Thread(target=watchdog, daemon=True).start()
        channel_layers.backends.clear()
        start = time.monotonic()
        async_to_sync(close_one)(["/ws/notifications/", "/ws/chat/"][number % 2])
        closed.set()
        late += time.monotonic() - start > 1
    print(f"{backend}: {args.count} sockets, {late} ended late (over 1 s), none hung")
    return 0


if __name__ == "__main__":
    sys.exit(main())
