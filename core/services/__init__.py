"""Use cases: one function per thing a person does, taking a unit of work.
Front ends call nothing else (through core.presentation's chat)."""
