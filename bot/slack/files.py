"""Files to Slack with files upload v2 (files.getUploadURLExternal, the upload itself, then
files.completeUploadExternal), as slack_sdk's `files_upload_v2` does them."""

from __future__ import annotations

from pathlib import Path

from slack_sdk import WebClient


def upload_to_dm(
    client: WebClient,
    user_id: str,
    path: Path,
    *,
    filename: str,
    title: str,
    comment: str,
) -> str:
    """Share the file at `path` in the user's DM with the app; returns the file id."""
    channel = client.conversations_open(users=user_id)["channel"]["id"]
    result = client.files_upload_v2(
        channel=channel,
        file=str(path),
        filename=filename,
        title=title,
        initial_comment=comment,
    )
    return str(result["file"]["id"])
