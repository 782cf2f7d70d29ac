"""Reading a wording or data file under templates/ into its pydantic model, with an error that
names the file and the first field at fault (what start-up prints before it stops)."""

from __future__ import annotations

from pathlib import Path
from typing import TypeVar

import yaml
from pydantic import BaseModel, ValidationError

M = TypeVar("M", bound=BaseModel)


def load_yaml_model(model: type[M], path: Path, error: type[Exception]) -> M:
    """`path` parsed as YAML and validated as `model`; `error` (a message naming the file and
    the field) when it cannot be read or is invalid."""
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
    except (OSError, yaml.YAMLError) as exc:
        raise error(f"{path}: cannot read: {exc}") from None
    try:
        return model.model_validate(data)
    except ValidationError as exc:
        first = exc.errors()[0]
        where = ".".join(str(part) for part in first["loc"]) or "(top level)"
        raise error(f"{path}: {where}: {first['msg']}") from None
