"""emscad: computer-aided dispatch for EMS, with a staff-safety layer built in."""

__version__ = "0.1.0"
