"""The service layer: one module per resource. A service function takes plain arguments and a session, applies the
rules (backend.domain), opens the write transaction, locks rows, queues chain operations (backend.store) and
returns a domain result or raises a Refusal. Routes (backend.api) only parse, authorise, call one service function
and serialise; see docs/backend.md#architecture."""
