"""The safety service: every safety command, each in one transaction with its alarms."""

from __future__ import annotations

from collections.abc import Callable

from argon2 import PasswordHasher

from emscad.dispatch.safety.alarms import AlarmCommands
from emscad.dispatch.safety.orders import OrderCommands
from emscad.dispatch.safety.policy import SafetyPolicy
from emscad.dispatch.safety.staff import StaffCommands
from emscad.dispatch.safety.watch import WatchCommands
from emscad.dispatch.service import DispatchService


class SafetyService(OrderCommands, WatchCommands, AlarmCommands, StaffCommands):
    def __init__(
        self,
        dispatch: DispatchService,
        *,
        policy: SafetyPolicy,
        new_id: Callable[[], str],
        on_alert: Callable[[], None] | None = None,
        hasher: PasswordHasher | None = None,
    ) -> None:
        super().__init__(dispatch, policy=policy, new_id=new_id, on_alert=on_alert)
        self.hasher = hasher or PasswordHasher()
