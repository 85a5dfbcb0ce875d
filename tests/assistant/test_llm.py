"""Optional LLM rephrasing against a fake OpenAI-compatible server on loopback: a faithful rephrasing is
used; one that changes a fact, a server error or a reply slower than LLM_TIMEOUT gives the plain answer;
without LLM_BASE_URL nothing is called."""

from __future__ import annotations

import json
import logging
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from assistant import llm

PLAIN = "Yes — it is listed as waterproof. It costs $110 and comes in sizes 7, 8 and 9."
GROUNDING = ["features: waterproof, ankle support", "price: $110", "sizes: 7, 8, 9", "color: brown"]


class FakeLLM:
    """What the fake server replies, and what it was asked."""

    def __init__(self) -> None:
        self.reply = ""
        self.proposal: dict | str | None = None  # the reply to a request for JSON (``llm.propose``), when set
        self.status = 200
        self.delay = 0.0
        self.requests: list[dict] = []
        self.headers: list[dict] = []


@pytest.fixture
def fake_llm(settings):
    fake = FakeLLM()

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self):  # noqa: N802 (http.server's naming)
            body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
            fake.requests.append({"path": self.path, **body})
            fake.headers.append(dict(self.headers))
            if fake.delay:
                time.sleep(fake.delay)
            content = fake.reply
            if "response_format" in body and fake.proposal is not None:
                content = fake.proposal if isinstance(fake.proposal, str) else json.dumps(fake.proposal)
            payload = json.dumps(
                {"choices": [{"index": 0, "message": {"role": "assistant", "content": content}}]}
                if fake.status == 200
                else {"error": {"message": "boom"}}
            ).encode()
            try:
                self.send_response(fake.status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(payload)))
                self.end_headers()
                self.wfile.write(payload)
            except (BrokenPipeError, ConnectionResetError):  # the client gave up (timeout test)
                pass

        def log_message(self, format, *args):  # noqa: A002 (http.server's signature)
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    server.daemon_threads = True
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    settings.LLM_BASE_URL = f"http://127.0.0.1:{server.server_address[1]}/v1"
    settings.LLM_MODEL = "fake-model"
    settings.LLM_API_KEY = "test-key"
    settings.LLM_TIMEOUT = 5.0
    try:
        yield fake
    finally:
        server.shutdown()
        server.server_close()
        thread.join()


def test_faithful_rephrasing_is_used(fake_llm):
    fake_llm.reply = "Good news: yes, it's waterproof! It's $110, in sizes 7, 8 and 9."
    assert llm.rephrase(text=PLAIN, grounding=GROUNDING) == fake_llm.reply
    [request] = fake_llm.requests
    assert request["path"] == "/v1/chat/completions"
    assert request["model"] == "fake-model"
    assert PLAIN in request["messages"][-1]["content"]
    assert "price: $110" in request["messages"][-1]["content"]
    assert fake_llm.headers[0]["Authorization"] == "Bearer test-key"


def test_changed_price_is_rejected(fake_llm, caplog):
    fake_llm.reply = "Yes, it's waterproof, and it's only $99 in sizes 7, 8 and 9."
    with caplog.at_level(logging.INFO, logger="assistant.llm"):
        assert llm.rephrase(text=PLAIN, grounding=GROUNDING) == PLAIN
    assert "plain answer used" in caplog.text
    assert "99" in caplog.text


def test_invented_size_colour_or_count_is_rejected(fake_llm):
    for reply in (
        "Yes, it's waterproof. $110, sizes 7 to 10.",
        "Yes, it's waterproof and comes in black. $110, sizes 7, 8 and 9.",
        "Yes, it's waterproof. $110, sizes 7, 8 and 9, with two years of warranty.",
        "",
    ):
        fake_llm.reply = reply
        assert llm.rephrase(text=PLAIN, grounding=GROUNDING) == PLAIN, reply


def test_server_error_gives_the_plain_answer(fake_llm, caplog):
    fake_llm.status = 500
    with caplog.at_level(logging.WARNING, logger="assistant.llm"):
        assert llm.rephrase(text=PLAIN, grounding=GROUNDING) == PLAIN
    assert "HTTP 500" in caplog.text
    assert len(fake_llm.requests) == 1


def test_reply_slower_than_the_timeout_gives_the_plain_answer(fake_llm, settings, caplog):
    settings.LLM_TIMEOUT = 0.2
    fake_llm.reply = "Yes, it's waterproof. It's $110, in sizes 7, 8 and 9."
    fake_llm.delay = 1.0
    with caplog.at_level(logging.WARNING, logger="assistant.llm"):
        assert llm.rephrase(text=PLAIN, grounding=GROUNDING) == PLAIN
    assert "plain answer used" in caplog.text


def test_unreachable_endpoint_gives_the_plain_answer(settings):
    with socket_closed_port() as port:
        settings.LLM_BASE_URL = f"http://127.0.0.1:{port}/v1"
        settings.LLM_TIMEOUT = 2.0
        assert llm.rephrase(text=PLAIN, grounding=GROUNDING) == PLAIN


def test_without_base_url_nothing_is_called(fake_llm, settings):
    settings.LLM_BASE_URL = ""
    fake_llm.reply = "Rephrased."
    assert llm.rephrase(text=PLAIN, grounding=GROUNDING) == PLAIN
    assert fake_llm.requests == []


def test_unsupported_checks_numbers_and_attribute_words():
    sources = ["It costs $1,299.00 and weighs 1.5 kg.", "color: rose gold; material: cast iron"]
    assert llm.unsupported("At $1299 and 1.5 kg, it's rose gold cast iron.", sources) == ""
    assert "1.6" in llm.unsupported("It weighs 1.6 kg and costs $1299.", sources)
    assert "leather" in llm.unsupported("Rose gold leather, $1299.", sources)
    assert llm.unsupported("Gold, $1299.", sources) == ""  # "gold" is inside "rose gold"


class socket_closed_port:  # noqa: N801 (used as a context manager)
    """A loopback port nothing listens on."""

    def __enter__(self) -> int:
        import socket

        self.sock = socket.socket()
        self.sock.bind(("127.0.0.1", 0))
        return self.sock.getsockname()[1]

    def __exit__(self, *exc) -> None:
        self.sock.close()
