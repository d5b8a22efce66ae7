"""Settings split by environment: base (shared), local (developer/demo), test, production."""
