"""Text intake over commercial SMS gateways (Twilio, Telnyx): an agency text line, staff SOS.

These are not 911: carriers route text-to-911 to the PSAP, never to a gateway number.
"""

from emscad.intake.sms._twilio_http import TwilioRestGateway
from emscad.intake.sms.gateway import (
    MAX_REPLY_CHARS,
    OutboundResult,
    RecordingGateway,
    SentText,
    SmsGateway,
)
from emscad.intake.sms.models import InboundText, Media, NumberRegistration, Provider
from emscad.intake.sms.sos import DEFAULT_SOS_KEYWORDS, find_sos, is_sos
from emscad.intake.sms.telnyx import (
    load_telnyx,
    parse_telnyx,
    telnyx_public_key,
    verify_telnyx,
)
from emscad.intake.sms.twilio import parse_twilio, twilio_signature, verify_twilio

__all__ = [
    "DEFAULT_SOS_KEYWORDS",
    "MAX_REPLY_CHARS",
    "InboundText",
    "Media",
    "NumberRegistration",
    "OutboundResult",
    "Provider",
    "RecordingGateway",
    "SentText",
    "SmsGateway",
    "TwilioRestGateway",
    "find_sos",
    "is_sos",
    "load_telnyx",
    "parse_telnyx",
    "parse_twilio",
    "telnyx_public_key",
    "twilio_signature",
    "verify_telnyx",
    "verify_twilio",
]
