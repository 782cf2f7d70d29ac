"""Files to Slack with files upload v2 (files.getUploadURLExternal, the upload itself, then
files.completeUploadExternal), as slack_sdk's `files_upload_v2` does them."""

from __future__ import annotations

from pathlib import Path

from slack_sdk import WebClient


def upload_file(
    client: WebClient,
    channel_id: str,
    content: Path | bytes,
    *,
    filename: str,
    title: str,
    comment: str = "",
) -> str:
    """Share a file (on disk, or bytes such as a rendered PNG) in a channel; its file id."""
    source = {"file": str(content)} if isinstance(content, Path) else {"content": content}
    result = client.files_upload_v2(
        channel=channel_id, filename=filename, title=title, initial_comment=comment, **source
    )
    return str(result["file"]["id"])


def dm_channel(client: WebClient, user_id: str) -> str:
    return client.conversations_open(users=user_id)["channel"]["id"]


def upload_to_dm(
    client: WebClient,
    user_id: str,
    content: Path | bytes,
    *,
    filename: str,
    title: str,
    comment: str = "",
) -> str:
    """Share a file in the user's DM with the app; returns the file id."""
    return upload_file(
        client,
        dm_channel(client, user_id),
        content,
        filename=filename,
        title=title,
        comment=comment,
    )
