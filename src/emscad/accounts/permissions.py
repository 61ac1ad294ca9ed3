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
    TEXTS = "texts"  # read text conversations and reply to them
    PREMISES_ADMIN = "premises:admin"  # keep premise cautions
    ORDERS_READ = "orders:read"  # protective orders (field crews: the respondent only; audited)
    ORDERS_MANAGE = "orders:manage"  # enter, edit, verify, withdraw orders; restore protection
    ALARMS = "alarms"  # see, acknowledge and clear staff SOS, welfare alerts, escort requests
    NOTIFICATIONS_READ = "notifications:read"  # alert deliveries and failures (audited)
    FEEDS = "feeds"  # plate readers, offender monitoring, panic buttons (machine tokens)
    STAFF_READ = "staff:read"  # staff records, as each role may see them (audited)
    STAFF_ADMIN = "staff:admin"  # edit staff records (confidential flag, schedule, contacts)
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

# Everyone answering the phones and the radio: alarms reach them, and orders protect callers.
_SAFETY_DESK = {Permission.ORDERS_READ, Permission.ALARMS, Permission.STAFF_READ}

ROLE_PERMISSIONS: dict[Role, frozenset[Permission]] = {
    Role.CALL_TAKER: frozenset(
        {
            *_CONSOLE,
            *_SAFETY_DESK,
            Permission.INCIDENTS_WRITE,
            Permission.PATIENT_READ,
            Permission.TEXTS,
        }
    ),
    Role.DISPATCHER: frozenset(
        {
            *_CONSOLE,
            Permission.INCIDENTS_WRITE,
            Permission.PATIENT_READ,
            Permission.DISPATCH,
            Permission.UNIT_STATUS_ANY,
            Permission.HOSPITALS_DIVERSION,
            Permission.TEXTS,
            *_SAFETY_DESK,
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
            Permission.TEXTS,
            Permission.PREMISES_ADMIN,
            *_SAFETY_DESK,
            Permission.ORDERS_MANAGE,
            Permission.STAFF_ADMIN,
            Permission.NOTIFICATIONS_READ,
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
            Permission.ORDERS_READ,  # the respondent's description and vehicles only
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
            Permission.PREMISES_ADMIN,
            Permission.ORDERS_READ,
            Permission.ORDERS_MANAGE,
            Permission.STAFF_READ,
            Permission.STAFF_ADMIN,
            Permission.FEEDS,
            Permission.NOTIFICATIONS_READ,
        }
    ),
}


def permissions_of(roles: frozenset[Role] | set[Role]) -> frozenset[Permission]:
    granted: set[Permission] = {Permission.PUBLIC, Permission.SELF, Permission.SIGNING_IN}
    for role in roles:
        granted |= ROLE_PERMISSIONS[role]
    return frozenset(granted)
