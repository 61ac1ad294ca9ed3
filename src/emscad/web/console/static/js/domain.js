// What the console knows of the domain's rules, for labels and for offering only valid
// choices. The server stays the judge: anything it refuses comes back as an error message.
// tests/unit/web/test_console_assets.py checks these tables against the Python code
// (units/lifecycle.py TRANSITIONS, incidents/lifecycle.py DISPOSITIONS): keep them in step.

export const UNIT_STATUS_LABELS = {
  available_at_station: 'In quarters',
  available: 'Available',
  dispatched: 'Dispatched',
  en_route: 'En route',
  on_scene: 'On scene',
  at_patient: 'At patient',
  transporting: 'Transporting',
  at_hospital: 'At hospital',
  transferred: 'Transferred',
  out_of_service: 'Out of service',
  off_duty: 'Off duty',
};

// Status changes a unit or dispatcher may make directly; "dispatched" comes only from an
// assignment. Order: the usual next step first (field buttons show them in this order).
export const TRANSITIONS = /* json */ {
  "off_duty": ["available_at_station", "available", "out_of_service"],
  "out_of_service": ["available_at_station", "available", "off_duty"],
  "available_at_station": ["available", "out_of_service", "off_duty"],
  "available": ["available_at_station", "out_of_service", "off_duty"],
  "dispatched": ["en_route", "on_scene", "available", "available_at_station"],
  "en_route": ["on_scene", "available", "available_at_station"],
  "on_scene": ["at_patient", "transporting", "available", "available_at_station"],
  "at_patient": ["transporting", "available", "available_at_station"],
  "transporting": ["at_hospital"],
  "at_hospital": ["transferred", "available", "available_at_station"],
  "transferred": ["available", "available_at_station"]
} /* end json */;

// Committed: working an incident (from notified to clearing the hospital).
export const COMMITTED = new Set([
  'dispatched', 'en_route', 'on_scene', 'at_patient', 'transporting', 'at_hospital', 'transferred',
]);

export const DISPOSITIONS = /* json */ {
  "transported": "Patient transported",
  "treated_released": "Treated and released",
  "refused_care": "Patient refused care",
  "no_patient": "No patient found",
  "dead_on_scene": "Dead on scene",
  "other_agency": "Handled by another agency",
  "cancelled": "Cancelled before arrival",
  "duplicate": "Duplicate of another incident",
  "false_alarm": "False alarm",
  "other": "Other (see text)"
} /* end json */;

export const UNIT_TYPE_LABELS = {
  als: 'ALS', bls: 'BLS', supervisor: 'Supervisor', fire: 'Fire', police: 'Police', other: 'Other',
};

export const MATCH_TYPE_LABELS = {
  coordinates: 'coordinates',
  address_point: 'address',
  interpolated: 'interpolated',
  intersection: 'intersection',
  place: 'place',
  street: 'street only',
};

// The geocoder's match type -> the incident location's confidence.
export const CONFIDENCE_OF_MATCH = {
  coordinates: 'coordinates',
  address_point: 'address',
  interpolated: 'interpolated',
  intersection: 'intersection',
  place: 'place',
  street: 'street',
};

export const PRIORITY_LABELS = { 1: 'P1', 2: 'P2', 3: 'P3', 4: 'P4' };

export function unitStatusLabel(status) {
  return UNIT_STATUS_LABELS[status] || status;
}

export function nextStatuses(status) {
  return TRANSITIONS[status] || [];
}
