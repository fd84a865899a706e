"""A uvicorn WebSocket protocol that lets the hub write one pre-built frame to many clients.

Why: a price fanned out to N clients through ASGI costs N trips through
Starlette's ``WebSocket.send``, uvicorn's ``send`` coroutine and websockets'
framing, about three quarters of the per-client cost; the socket write is the
rest. A server's frames are never masked (RFC 6455 §5.1) and this server
negotiates no extension (``ws_per_message_deflate=False``), so a text frame's
bytes are the same for every client: ``text_frame`` builds them once per
message (with websockets' own ``Frame.serialize``) and ``write_frame`` puts
them straight on the connection's transport.

``FrameWritingProtocol`` is uvicorn's sans-I/O websockets protocol plus one
ASGI scope extension, ``FRAME_WRITER``: a callable ``write(frame) -> bool``.
True: the frame was written. False: the connection cannot take a raw frame now
(handshake not finished, closing or closed, an extension negotiated, or the
transport's write buffer above its high-water mark); the caller then sends
through ordinary ASGI, which waits for the buffer to drain as usual, so a
slow client still gets backpressure. Raw frames are whole, unfragmented
frames written between the protocol's own writes (pings, close), so the
stream stays valid; the protocol's state machine tracks no outgoing data
frames, so it is not disturbed.

The writer reads a few of uvicorn's connection attributes (``_STATE``); a
uvicorn without them gets no writer, so every send takes the ASGI path, and
``tests/engine/api/test_ws_protocol.py`` fails to say the fast path is gone.
"""

from __future__ import annotations

from typing import Any

from uvicorn.protocols.websockets.websockets_sansio_impl import WebSocketsSansIOProtocol
from websockets.frames import Frame, Opcode
from websockets.protocol import State

FRAME_WRITER = "paper_terminal.frame_writer"
_STATE = ("handshake_complete", "close_sent", "disconnected", "writable", "conn", "transport")


def text_frame(text: str) -> bytes:
    """The bytes of one unmasked, unfragmented text frame carrying ``text`` (server → client)."""
    return Frame(Opcode.TEXT, text.encode()).serialize(mask=False)


class FrameWritingProtocol(WebSocketsSansIOProtocol):
    """uvicorn's sans-I/O WebSocket protocol, with ``FRAME_WRITER`` in each accepted connection's scope."""

    def handle_connect(self, event: Any) -> None:
        super().handle_connect(event)
        scope = getattr(self, "scope", None)
        if scope is not None and all(hasattr(self, name) for name in _STATE):
            # The ASGI task was only created: it has not seen the scope yet.
            scope["extensions"][FRAME_WRITER] = self.write_frame

    def write_frame(self, frame: bytes) -> bool:
        """Write a whole pre-built frame now if the connection can take it; False otherwise."""
        if (
            self.handshake_complete
            and not self.close_sent
            and not self.disconnected
            and self.writable.is_set()
            and self.conn.state is State.OPEN
            and not self.conn.extensions
            and not self.transport.is_closing()
        ):
            self.transport.write(frame)
            return True
        return False
