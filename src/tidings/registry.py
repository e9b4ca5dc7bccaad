"""Backends registered under versioned names.

A stage that can be done more than one way (extraction, summarisation, ...) looks its backend up
here by a versioned name such as ``"extractive.v1"``. A behaviour change is a new name, never a
silent edit, and every output records the names that made it.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Generic, TypeVar

from .errors import UsageError

__all__ = ["Registry"]

T = TypeVar("T")


class Registry(Generic[T]):
    """A named set of backends for one role.

    Args:
        role: what the backends do (``"summarizer"``), used in error messages.
    """

    def __init__(self, role: str) -> None:
        self.role = role
        self._entries: dict[str, T] = {}

    def register(self, name: str) -> Callable[[T], T]:
        """Decorator registering ``obj`` under ``name``.

        Raises:
            UsageError: ``name`` is already taken or is not versioned (``something.vN``).
        """

        def add(obj: T) -> T:
            base, _, version = name.rpartition(".v")
            if not base or not version.isdigit():
                raise UsageError(f"backend names must be versioned like 'name.v1', got {name!r}")
            if name in self._entries:
                raise UsageError(f"a {self.role} backend named {name!r} is already registered")
            self._entries[name] = obj
            return obj

        return add

    def get(self, name: str) -> T:
        """Return the backend called ``name``.

        Raises:
            UsageError: no such backend; the message lists the available names.
        """
        try:
            return self._entries[name]
        except KeyError:
            available = ", ".join(sorted(self._entries)) or "none"
            raise UsageError(
                f"the {self.role} backend must be one of {available}, got {name!r}"
            ) from None

    def names(self) -> tuple[str, ...]:
        """The registered names, sorted."""
        return tuple(sorted(self._entries))
