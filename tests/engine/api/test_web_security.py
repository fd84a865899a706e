"""The web terminal's security: origins (own, foreign, --allow-origin), CSP, the exposure warning, session."""

from __future__ import annotations

import base64
import logging

import httpx
import pytest
from websockets.asyncio.client import connect
from websockets.exceptions import InvalidStatus

from engine.api.security import CONTENT_SECURITY_POLICY, HostPolicy, normalise_origin
from engine.api.server import ApiServer, exposure_warning
from tests.engine.api.conftest import TRADING, VIEWER
from tests.engine.api.helpers import next_message, of_type, ws_connect

API = "/api/paper-trading"


async def test_https_origin_of_the_same_host_and_port_is_foreign(server):
    """Issue 12: the server speaks http, so https://127.0.0.1:PORT is another origin (HTTP and WebSocket)."""
    foreign = f"https://127.0.0.1:{server.port}"
    async with httpx.AsyncClient(base_url=server.url, headers={"Authorization": f"Bearer {TRADING}"}) as c:
        refused = await c.get(f"{API}/account/", headers={"Origin": foreign})
        own = await c.get(f"{API}/account/", headers={"Origin": f"http://127.0.0.1:{server.port}"})
    assert refused.status_code == 403 and refused.json()["error"]["field"] == "origin"
    assert own.status_code == 200
    with pytest.raises(InvalidStatus) as handshake:
        async with ws_connect(server, "trading", TRADING, origin=foreign):
            pass
    assert handshake.value.response.status_code == 403


@pytest.fixture
async def proxied(engine, tokens):
    """A server behind a (pretend) TLS reverse proxy at https://terminal.example."""
    srv = ApiServer(engine, "127.0.0.1", 0, tokens, allowed_origins=["https://Terminal.Example:443"])
    await srv.start()
    yield srv
    await srv.stop()


async def test_allow_origin_admits_the_proxy_origin_and_its_host_only(proxied):
    headers = {"Authorization": f"Bearer {TRADING}"}
    async with httpx.AsyncClient(base_url=proxied.url, headers=headers) as c:
        via_proxy = await c.get(
            f"{API}/account/", headers={"Origin": "https://terminal.example", "Host": "terminal.example"}
        )
        other_port = await c.get(f"{API}/account/", headers={"Origin": "https://terminal.example:8443"})
        plain_http = await c.get(f"{API}/account/", headers={"Origin": "http://terminal.example"})
        other_name = await c.get(f"{API}/account/", headers={"Host": "evil.example"})
    assert via_proxy.status_code == 200
    assert other_port.status_code == 403 and plain_http.status_code == 403
    assert other_name.status_code == 421
    async with ws_connect(proxied, "trading", VIEWER, origin="https://terminal.example") as ws:
        assert (await next_message(ws, of_type("account_update")))["data"]["currency"] == "USD"


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("https://Terminal.Example:443", "https://terminal.example"),
        ("http://10.0.0.2:80/", "http://10.0.0.2"),
        ("http://[::1]:8765", "http://[::1]:8765"),
    ],
)
def test_normalise_origin_drops_default_ports_and_case(value, expected):
    assert normalise_origin(value) == expected


@pytest.mark.parametrize(
    "value",
    [
        "terminal.example",
        "ftp://x.example",
        "https://x.example/app",
        "https://user@x.example",
        "https://x.example:99999",
        "null",
    ],
)
def test_normalise_origin_refuses_what_is_not_an_origin(value):
    with pytest.raises(ValueError):
        normalise_origin(value)


def test_host_policy_bound_to_a_lan_address_accepts_it():
    policy = HostPolicy("192.168.1.5")
    assert policy.allows("192.168.1.5") and policy.allows("localhost") and not policy.allows("10.0.0.9")
    assert policy.allows_origin("http://192.168.1.5:8765", "192.168.1.5", 8765)
    assert not policy.allows_origin("https://192.168.1.5:8765", "192.168.1.5", 8765)


async def test_page_csp_forbids_inline_script_and_style_and_other_origins(server):
    async with httpx.AsyncClient(base_url=server.url) as c:
        page = await c.get("/")
        module = await c.get("/static/js/main.js")
    csp = page.headers["content-security-policy"]
    assert csp == CONTENT_SECURITY_POLICY
    directives = dict(part.strip().split(" ", 1) for part in csp.split(";"))
    assert directives["script-src"] == "'self'" and directives["style-src"] == "'self'"
    assert directives["default-src"] == "'none'" and directives["connect-src"] == "'self'"
    assert "unsafe" not in csp and "http" not in csp and "*" not in csp
    assert module.status_code == 200 and "javascript" in module.headers["content-type"]
    assert "<script>" not in page.text and "<style" not in page.text and " style=" not in page.text
    assert " on" not in page.text.replace(" one", "")  # no inline event handlers either


def test_exposure_warning_names_url_and_tokens_never_a_token(tmp_path):
    path = tmp_path / "api-tokens.json"
    assert exposure_warning("127.0.0.1", 8765, path) is None
    assert exposure_warning("localhost", 8765, path) is None
    text = exposure_warning("192.168.1.5", 8765, path)
    assert text is not None
    assert "http://192.168.1.5:8765/" in text and "VIEWER token" in text and "TRADING token" in text
    assert str(path) in text
    wildcard = exposure_warning("0.0.0.0", 8765, path)
    assert wildcard is not None and ":8765/" in wildcard and "0.0.0.0:8765" not in wildcard


async def test_non_loopback_server_prints_the_warning_once(engine, tokens, capsys, caplog):
    server = ApiServer(engine, "0.0.0.0", 0, tokens)
    with caplog.at_level(logging.WARNING, logger="engine.api.server"):
        await server.start()
    await server.stop()
    err = capsys.readouterr().err
    assert err.count("WARNING: the server is bound to 0.0.0.0") == 1
    assert f":{server.port}/" in err and "VIEWER token" in err
    assert TRADING not in err and VIEWER not in err
    assert TRADING not in caplog.text and VIEWER not in caplog.text


async def test_session_says_which_token_it_is(client, viewer):
    assert (await client.get("/session/")).json() == {"role": "trading"}
    assert (await viewer.get("/session/")).json() == {"role": "viewer"}


async def test_symbols_carry_their_specs_and_pip_value(client):
    body = (await client.get("/symbols/")).json()
    assert body["items"] == ["EURUSD", "GBPUSD", "USDJPY"]
    eurusd, usdjpy = body["specs"]["EURUSD"], body["specs"]["USDJPY"]
    assert (eurusd["digits"], eurusd["pip_size"], eurusd["pip_value"]) == (5, 0.0001, 10.0)
    assert usdjpy["digits"] == 3 and usdjpy["pip_size"] == 0.01
    assert usdjpy["pip_value"] == pytest.approx(1000 / 151.206, abs=0.01)  # 1000 JPY per pip at the mid


def _protocol(token: str) -> list[str]:
    encoded = base64.urlsafe_b64encode(token.encode()).decode().rstrip("=")
    return ["paper-terminal", f"paper-terminal.token.{encoded}"]


async def test_websocket_token_as_subprotocol_keeps_it_out_of_the_url(server):
    url = server.url.replace("http://", "ws://") + "/ws/trading/"
    async with connect(url, subprotocols=_protocol(VIEWER), open_timeout=5) as ws:
        assert ws.subprotocol == "paper-terminal"
        assert (await next_message(ws, of_type("account_update")))["data"]["currency"] == "USD"
    for bad in (_protocol("wrong-token-0123456789abcdef"), ["paper-terminal", "paper-terminal.token.%%%"]):
        with pytest.raises(InvalidStatus) as refused:
            async with connect(url, subprotocols=bad, open_timeout=5):
                pass
        assert refused.value.response.status_code == 401
