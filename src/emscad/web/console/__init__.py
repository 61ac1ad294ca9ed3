"""The browser console: sign-in, dispatcher, supervisor, field-unit and staff pages."""
