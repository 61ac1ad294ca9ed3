"""Roles and the explicit permission each API route requires.

Every route names one Permission; a test walks every route and every role through this
table, so no route is open by accident. Patient details, protective orders and confidential
staff data get their own permissions, and every read of them is audited.
"""

from __future__ import annotations

from enum import StrEnum


class Role(StrEnum):
    CALL_TAKER = "call_taker"
    DISPATCHER = "dispatcher"
    SUPERVISOR = "supervisor"
    FIELD_UNIT = "field_unit"  # a crew's device: its own unit's status and position
    STAFF = "staff"  # any employee: their own safety page
    ANALYST = "analyst"
    ADMIN = "admin"


class Permission(StrEnum):
    INCIDENTS_READ = "incidents:read"
    INCIDENTS_WRITE = "incidents:write"  # create, update, notes, close
    DISPATCH = "dispatch"  # assign and unassign units, set destinations
    UNITS_READ = "units:read"
    UNIT_STATUS_ANY = "units:status"  # change any unit's status
    UNIT_STATUS_OWN = "units:status:own"  # a field device: its own unit only
    AVL_WRITE = "avl:write"
    RECOMMEND = "recommend"
    EVENTS_READ = "events:read"  # the live stream
    PATIENT_READ = "patient:read"  # persons' details on incidents (audited)
    HOSPITALS_DIVERSION = "hospitals:diversion"
    ROSTER_ADMIN = "roster:admin"  # stations, units, hospitals
    USERS_ADMIN = "users:admin"
    AUDIT_READ = "audit:read"
    GEOCODE = "geocode"
    MAP = "map"  # the basemap drawn from the region's roads
    SELF = "self"  # one's own account: any signed-in user
    SIGNING_IN = "signing-in"  # the steps after the password: a session in any state
    PUBLIC = "public"  # health checks and the login page: no credentials needed


_CONSOLE = {
    Permission.INCIDENTS_READ,
    Permission.UNITS_READ,
    Permission.EVENTS_READ,
    Permission.RECOMMEND,
    Permission.GEOCODE,
    Permission.MAP,
}

ROLE_PERMISSIONS: dict[Role, frozenset[Permission]] = {
    Role.CALL_TAKER: frozenset({*_CONSOLE, Permission.INCIDENTS_WRITE, Permission.PATIENT_READ}),
    Role.DISPATCHER: frozenset(
        {
            *_CONSOLE,
            Permission.INCIDENTS_WRITE,
            Permission.PATIENT_READ,
            Permission.DISPATCH,
            Permission.UNIT_STATUS_ANY,
            Permission.HOSPITALS_DIVERSION,
        }
    ),
    Role.SUPERVISOR: frozenset(
        {
            *_CONSOLE,
            Permission.INCIDENTS_WRITE,
            Permission.PATIENT_READ,
            Permission.DISPATCH,
            Permission.UNIT_STATUS_ANY,
            Permission.HOSPITALS_DIVERSION,
            Permission.AUDIT_READ,
        }
    ),
    Role.FIELD_UNIT: frozenset(
        {
            Permission.INCIDENTS_READ,
            Permission.PATIENT_READ,  # the crew treating the patient
            Permission.UNITS_READ,
            Permission.UNIT_STATUS_OWN,
            Permission.AVL_WRITE,
            Permission.EVENTS_READ,
            Permission.MAP,
        }
    ),
    Role.STAFF: frozenset(),
    Role.ANALYST: frozenset({Permission.INCIDENTS_READ, Permission.UNITS_READ, Permission.MAP}),
    Role.ADMIN: frozenset(
        {
            Permission.INCIDENTS_READ,
            Permission.UNITS_READ,
            Permission.ROSTER_ADMIN,
            Permission.USERS_ADMIN,
            Permission.AUDIT_READ,
            Permission.HOSPITALS_DIVERSION,
            Permission.GEOCODE,
        }
    ),
}


def permissions_of(roles: frozenset[Role] | set[Role]) -> frozenset[Permission]:
    granted: set[Permission] = {Permission.PUBLIC, Permission.SELF, Permission.SIGNING_IN}
    for role in roles:
        granted |= ROLE_PERMISSIONS[role]
    return frozenset(granted)
