"""Tests of the fake Slack Web API and of the signed-request helper, with the real SDKs."""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from wsgiref.simple_server import WSGIRequestHandler, WSGIServer, make_server

import pytest
from slack_bolt import App
from slack_bolt.adapter.wsgi import SlackRequestHandler
from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError
from slack_sdk.http_retry.builtin_handlers import RateLimitErrorRetryHandler
from slack_sdk.webhook import WebhookClient

from tests.fakeslack import FakeSlack
from tests.slack_http import SlackHttp, checkboxes, plain, select_value


@pytest.fixture(scope="module")
def server() -> Iterator[FakeSlack]:
    fake = FakeSlack()
    fake.start()
    yield fake
    fake.stop()


@pytest.fixture
def fake(server: FakeSlack) -> FakeSlack:
    server.reset()
    return server


@pytest.fixture
def client(fake: FakeSlack) -> WebClient:
    return WebClient(token="xoxb-test", base_url=fake.url, timeout=5)


def section(text: str) -> dict:
    return {"type": "section", "text": {"type": "mrkdwn", "text": text}}


def api_error(excinfo: pytest.ExceptionInfo[SlackApiError]) -> str:
    return excinfo.value.response["error"]


# ---- messages ------------------------------------------------------------------------------


def test_post_and_update_a_message(fake: FakeSlack, client: WebClient) -> None:
    fake.add_channel("C1", "onb-acme")
    metadata = {"event_type": "handoff", "event_payload": {"id": 7}}
    posted = client.chat_postMessage(
        channel="C1", text="hello", blocks=[section("hi")], metadata=metadata
    )
    assert posted["channel"] == "C1"
    assert posted["message"]["text"] == "hello"

    updated = client.chat_update(channel="C1", ts=posted["ts"], text="bye", blocks=[section("b")])

    assert updated["ts"] == posted["ts"]
    [stored] = fake.messages["C1"]
    assert (stored["text"], stored["blocks"]) == ("bye", [section("b")])
    assert [c.method for c in fake.calls] == ["chat.postMessage", "chat.update"]
    assert fake.last("chat.postMessage")["blocks"] == [section("hi")]
    history = client.conversations_history(channel="C1", include_all_metadata=True)
    assert history["messages"][0]["metadata"] == metadata
    assert "metadata" not in client.conversations_history(channel="C1")["messages"][0]


def test_timestamps_are_unique_and_increasing(fake: FakeSlack, client: WebClient) -> None:
    stamps = [client.chat_postMessage(channel="C0GENERAL", text=str(i))["ts"] for i in range(5)]
    assert stamps == sorted(stamps, key=float)
    assert len(set(stamps)) == 5
    newest_first = client.conversations_history(channel="C0GENERAL", limit=2)
    assert [m["text"] for m in newest_first["messages"]] == ["4", "3"]
    assert newest_first["has_more"] is True


def test_update_of_an_unknown_message(fake: FakeSlack, client: WebClient) -> None:
    with pytest.raises(SlackApiError) as excinfo:
        client.chat_update(channel="C0GENERAL", ts="1.000001", text="x")
    assert api_error(excinfo) == "message_not_found"


def test_post_to_a_user_goes_to_the_dm(fake: FakeSlack, client: WebClient) -> None:
    fake.add_user("U1", name="ana")
    posted = client.chat_postMessage(channel="U1", text="psst")
    assert posted["channel"].startswith("D")
    assert fake.messages[posted["channel"]][0]["text"] == "psst"


@pytest.mark.parametrize(
    ("setup", "error"),
    [
        (lambda fake: None, "channel_not_found"),
        (lambda fake: fake.add_channel("C9", "outside", is_member=False), "not_in_channel"),
    ],
)
def test_channel_errors(fake: FakeSlack, client: WebClient, setup, error: str) -> None:
    setup(fake)
    with pytest.raises(SlackApiError) as excinfo:
        client.chat_postMessage(channel="C9", text="hi")
    assert api_error(excinfo) == error
    assert fake.calls_to("chat.postMessage")[0].error == error


def test_missing_token_is_not_authed(fake: FakeSlack) -> None:
    with pytest.raises(SlackApiError) as excinfo:
        WebClient(base_url=fake.url).chat_postMessage(channel="C0GENERAL", text="hi")
    assert api_error(excinfo) == "not_authed"


def test_conversations_info_needs_the_read_scope_of_its_kind(
    fake: FakeSlack, client: WebClient
) -> None:
    dm = fake.add_im("UBOT")
    fake.add_channel("CPRIV", "private", is_private=True)
    assert client.conversations_info(channel=dm)["channel"]["is_im"] is True  # manifest scopes
    fake.scopes -= {"im:read", "groups:read"}
    for channel, scope in ((dm, "im:read"), ("CPRIV", "groups:read")):
        with pytest.raises(SlackApiError) as raised:
            client.conversations_info(channel=channel)
        assert raised.value.response["error"] == "missing_scope"
        assert raised.value.response["needed"] == scope
    assert client.conversations_info(channel="C0GENERAL")["ok"]  # channels:read is still there


def test_a_revoked_token_answers_every_call_until_reinstated(
    fake: FakeSlack, client: WebClient
) -> None:
    fake.revoke("account_inactive")
    for call in (client.auth_test, lambda: client.chat_postMessage(channel="C0GENERAL", text="x")):
        with pytest.raises(SlackApiError) as raised:
            call()
        assert raised.value.response["error"] == "account_inactive"
    fake.reinstate()
    assert client.auth_test()["ok"]


def test_unknown_method_is_recorded(fake: FakeSlack, client: WebClient) -> None:
    with pytest.raises(SlackApiError) as excinfo:
        client.api_call("chat.teleport", json={"channel": "C0GENERAL"})
    assert api_error(excinfo) == "unknown_method"
    assert fake.calls_to("chat.teleport")[0].params == {"channel": "C0GENERAL"}


def test_form_encoded_json_params_are_decoded(fake: FakeSlack, client: WebClient) -> None:
    client.api_call(
        "chat.postMessage",
        data={
            "channel": "C0GENERAL",
            "blocks": '[{"type": "divider"}]',
            "metadata": '{"event_type": "x", "event_payload": {}}',
        },
    )
    params = fake.last("chat.postMessage")
    assert params["blocks"] == [{"type": "divider"}]
    assert params["metadata"]["event_type"] == "x"


# ---- faults --------------------------------------------------------------------------------


def test_rate_limit_is_retried_by_the_retry_handler(fake: FakeSlack) -> None:
    fake.rate_limit("chat.postMessage", retry_after=0)
    retrying = WebClient(
        token="xoxb-test",
        base_url=fake.url,
        retry_handlers=[RateLimitErrorRetryHandler(max_retry_count=1)],
    )

    assert retrying.chat_postMessage(channel="C0GENERAL", text="hi")["ok"]

    statuses = [c.status for c in fake.calls_to("chat.postMessage")]
    assert statuses == [429, 200]
    assert len(fake.messages["C0GENERAL"]) == 1


def test_rate_limit_without_retries_raises_429(fake: FakeSlack, client: WebClient) -> None:
    fake.rate_limit("chat.postMessage", retry_after=7)
    with pytest.raises(SlackApiError) as excinfo:
        client.chat_postMessage(channel="C0GENERAL", text="hi")
    assert excinfo.value.response.status_code == 429
    assert excinfo.value.response.headers["Retry-After"] in ("7", ["7"])
    assert client.chat_postMessage(channel="C0GENERAL", text="hi")["ok"]  # consumed once


def test_fail_and_server_error(fake: FakeSlack, client: WebClient) -> None:
    fake.fail("users.info", "ratelimited_custom", times=2)
    fake.server_error("users.info", status=503)
    for _ in range(2):
        with pytest.raises(SlackApiError) as excinfo:
            client.users_info(user="UBOT")
        assert api_error(excinfo) == "ratelimited_custom"
    with pytest.raises(SlackApiError) as excinfo:
        client.users_info(user="UBOT")
    assert excinfo.value.response.status_code == 503
    assert client.users_info(user="UBOT")["user"]["id"] == "UBOT"


def test_delay_times_out_the_client_but_takes_effect(fake: FakeSlack) -> None:
    fake.delay("chat.postMessage", 1.5)
    impatient = WebClient(token="xoxb-test", base_url=fake.url, timeout=0.3)
    with pytest.raises((TimeoutError, OSError)):
        impatient.chat_postMessage(channel="C0GENERAL", text="late")
    fake.wait_for("chat.postMessage", lambda p: p["text"] == "late", timeout=5)
    assert fake.messages["C0GENERAL"][0]["text"] == "late"


def test_wait_for_times_out_with_the_recorded_methods(fake: FakeSlack, client: WebClient) -> None:
    client.auth_test()
    with pytest.raises(AssertionError, match=r"chat\.postMessage.*auth\.test"):
        fake.wait_for("chat.postMessage", timeout=0.2)


def test_wait_for_sees_calls_from_other_threads(fake: FakeSlack, client: WebClient) -> None:
    worker = threading.Timer(0.1, lambda: client.chat_postMessage(channel="C0GENERAL", text="a"))
    worker.start()
    [call] = fake.wait_for("chat.postMessage", lambda p: p["text"] == "a")
    worker.join()
    assert call.ok


# ---- Block Kit validation ----------------------------------------------------------------


@pytest.mark.parametrize(
    "blocks",
    [
        [{"type": "hologram"}],
        [section(str(i)) for i in range(51)],
        [section("x" * 3001)],
        [{"type": "header", "text": {"type": "plain_text", "text": "x" * 151}}],
        [
            {
                "type": "actions",
                "elements": [
                    {
                        "type": "button",
                        "action_id": "a" * 256,
                        "text": {"type": "plain_text", "text": "ok"},
                    }
                ],
            }
        ],
        [
            {
                "type": "input",
                "label": {"type": "plain_text", "text": "l"},
                "element": {
                    "type": "plain_text_input",
                    "action_id": "a",
                    "initial_value": "x" * 3001,
                },
            }
        ],
    ],
)
def test_invalid_blocks_are_rejected_and_recorded(
    fake: FakeSlack, client: WebClient, blocks: list
) -> None:
    with pytest.raises(SlackApiError) as excinfo:
        client.chat_postMessage(channel="C0GENERAL", text="t", blocks=blocks)
    assert api_error(excinfo) == "invalid_blocks"
    assert excinfo.value.response["errors"]
    [(method, problems)] = fake.invalid
    assert method == "chat.postMessage"
    assert all("json-pointer:/blocks" in p for p in problems)
    assert fake.messages.get("C0GENERAL", []) == []


def test_good_blocks_at_the_limits_pass(fake: FakeSlack, client: WebClient) -> None:
    blocks = [section("x" * 3000)] + [section(str(i)) for i in range(49)]
    assert client.chat_postMessage(channel="C0GENERAL", text="t", blocks=blocks)["ok"]
    assert fake.invalid == []


@pytest.mark.filterwarnings("ignore:The top-level `text` argument is missing")
def test_message_without_text_or_blocks(fake: FakeSlack, client: WebClient) -> None:
    with pytest.raises(SlackApiError) as excinfo:
        client.chat_postMessage(channel="C0GENERAL")
    assert api_error(excinfo) == "no_text"


def modal(title: str) -> dict:
    return {
        "type": "modal",
        "callback_id": "cb",
        "title": {"type": "plain_text", "text": title},
        "blocks": [section("body")],
    }


def test_views_open_rejects_a_25_char_title(fake: FakeSlack, client: WebClient) -> None:
    with pytest.raises(SlackApiError) as excinfo:
        client.views_open(trigger_id="1.2.3", view=modal("x" * 25))
    assert api_error(excinfo) == "invalid_arguments"  # what Slack answers for a bad view
    [(method, problems)] = fake.invalid
    assert method == "views.open"
    assert "/view/title/text" in problems[0]

    opened = client.views_open(trigger_id="1.2.3", view=modal("x" * 24))["view"]
    assert opened["id"].startswith("V")
    updated = client.views_update(view_id=opened["id"], hash=opened["hash"], view=modal("Two"))
    assert updated["view"]["title"]["text"] == "Two"
    with pytest.raises(SlackApiError) as excinfo:
        client.views_update(view_id="VNOPE", view=modal("Three"))
    assert api_error(excinfo) == "not_found"


def test_views_open_needs_a_trigger(fake: FakeSlack, client: WebClient) -> None:
    with pytest.raises(SlackApiError):
        client.api_call("views.open", json={"view": modal("t")})


# ---- conversations, users, files -----------------------------------------------------------


def test_conversations_create(fake: FakeSlack, client: WebClient) -> None:
    created = client.conversations_create(name="onb-acme")["channel"]
    assert created["is_member"] is True
    assert fake.channels[created["id"]]["name"] == "onb-acme"
    for name, error in [
        ("onb-acme", "name_taken"),
        ("Onb Acme", "invalid_name_specials"),
        ("a.b", "invalid_name_specials"),
        ("x" * 81, "invalid_name_maxlength"),
    ]:
        with pytest.raises(SlackApiError) as excinfo:
            client.conversations_create(name=name)
        assert api_error(excinfo) == error


def test_conversations_invite_and_join(fake: FakeSlack, client: WebClient) -> None:
    fake.add_user("U1")
    fake.add_user("UEXT", team_id="T0CUSTOMER")
    fake.add_channel("C1", "onb-acme")
    client.conversations_invite(channel="C1", users=["U1"])
    assert "U1" in fake.channels["C1"]["members"]
    for users, error in [
        (["U1"], "already_in_channel"),
        (["UNOPE"], "user_not_found"),
        (["UEXT"], "cant_invite"),
    ]:
        with pytest.raises(SlackApiError) as excinfo:
            client.conversations_invite(channel="C1", users=users)
        assert api_error(excinfo) == error

    fake.add_channel("C2", "public", is_member=False)
    fake.add_channel("C3", "secret", is_private=True, is_member=False)
    assert client.conversations_join(channel="C2")["channel"]["is_member"] is True
    with pytest.raises(SlackApiError) as excinfo:
        client.conversations_join(channel="C3")
    assert api_error(excinfo) == "method_not_supported_for_channel_type"


def test_users(fake: FakeSlack, client: WebClient) -> None:
    fake.add_user(
        "U1", name="ana", real_name="Ana Lima", email="ana@example.com", is_restricted=True
    )
    user = client.users_info(user="U1")["user"]
    assert (user["team_id"], user["is_restricted"]) == ("T0OWN", True)
    assert user["profile"]["email"] == "ana@example.com"
    assert client.users_lookupByEmail(email="ANA@example.com")["user"]["id"] == "U1"
    for call in (
        lambda: client.users_info(user="U404"),
        lambda: client.users_lookupByEmail(email="no@example.com"),
    ):
        with pytest.raises(SlackApiError):
            call()


def test_files_upload_v2(fake: FakeSlack, client: WebClient) -> None:
    result = client.files_upload_v2(
        channel="C0GENERAL", content="a,b\n1,2\n", filename="plan.csv", title="Plan"
    )
    [record] = fake.files.values()
    assert result["file"]["id"] == record["id"]
    assert (record["content"], record["title"], record["channel_id"]) == (
        b"a,b\n1,2\n",
        "Plan",
        "C0GENERAL",
    )


# ---- response URLs -----------------------------------------------------------------------


def test_response_url_records_posts(fake: FakeSlack) -> None:
    url = fake.response_url()
    assert url.startswith(f"{fake.base}/response/")
    sent = WebhookClient(url).send(text="done", response_type="ephemeral")
    assert sent.status_code == 200
    assert fake.wait_for_response()[0] == {"text": "done", "response_type": "ephemeral"}

    refused = WebhookClient(url).send(text="t", blocks=[{"type": "hologram"}])
    assert refused.status_code == 400
    assert fake.invalid[0][0] == "response_url"


# ---- SlackHttp signing against a real Bolt app ---------------------------------------------


class _QuietHandler(WSGIRequestHandler):
    def log_message(self, format: str, *args: object) -> None:
        pass


@pytest.fixture
def bolt_url(fake: FakeSlack) -> Iterator[str]:
    app = App(
        token="xoxb-test",
        signing_secret="shh",
        client=WebClient(token="xoxb-test", base_url=fake.url),
    )

    @app.command("/onboard")
    def pong(ack) -> None:
        ack("pong")

    @app.view("handoff")
    def submitted(ack, view) -> None:
        values = view["state"]["values"]
        ack(response_action="errors", errors={"company": values["company"]["v"]["value"]})

    httpd: WSGIServer = make_server(
        "127.0.0.1", 0, SlackRequestHandler(app), handler_class=_QuietHandler
    )
    thread = threading.Thread(
        target=httpd.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True
    )
    thread.start()
    yield f"http://127.0.0.1:{httpd.server_port}/slack/events"
    httpd.shutdown()
    httpd.server_close()
    thread.join(5)


def test_signed_requests_reach_bolt_and_others_are_refused(fake: FakeSlack, bolt_url: str) -> None:
    http = SlackHttp(bolt_url, "shh", fake=fake)

    ok = http.command("ping")
    assert (ok.status, ok.text) == (200, "pong")

    body, form = b"command=%2Fonboard&text=ping", "application/x-www-form-urlencoded"
    assert http.post(body, form, signed=False).status == 401
    assert http.post(body, form, signature="v0=" + "0" * 64).status == 401
    assert SlackHttp(bolt_url, "not-the-secret").command("ping").status == 401
    assert http.post(body, form, timestamp=int(time.time()) - 6 * 60).status == 401


def test_view_submission_payload_reaches_bolt(fake: FakeSlack, bolt_url: str) -> None:
    http = SlackHttp(bolt_url, "shh", fake=fake)
    values = {
        "company": {"v": plain("Acme")},
        "seg": {"s": select_value("smb")},
        "opts": {"c": checkboxes("a", "b")},
    }
    response = http.view_submission("handoff", values)
    assert response.status == 200
    assert response.json() == {"response_action": "errors", "errors": {"company": "Acme"}}
