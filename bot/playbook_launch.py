"""Playbook fields of the launch: the go-live gate's automatic checks (`gate_requires`) and the
customer-channel launch messages (`launch_messages`). Validated with the rest in bot/playbooks.py.
"""

from __future__ import annotations

from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class GateRequiresDef(_Strict):
    """Automatic go-live gate checks: each one that fails refuses go-live like a NO answer."""

    pilot_done: bool = False  # the milestone `pilot_milestone` complete (or waived)
    pilot_milestone: Annotated[str, Field(pattern=r"^[a-z][a-z0-9_]*$", max_length=60)] = "pilot"
    no_open_blockers: bool = False  # no open blocker but those of the gate's own NO items


class LaunchMessagesDef(_Strict):
    """Customer-channel posts: `before_business_days` before the go-live target, and
    `after_days` calendar days after go-live; None: not sent."""

    before_business_days: int | None = Field(default=None, ge=1, le=20)
    after_days: int | None = Field(default=None, ge=1, le=30)
