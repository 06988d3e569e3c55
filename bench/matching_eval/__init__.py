"""The held-apart evaluation set of the matcher: 42 talent concepts, two disjoint pools of phrasings (A: tuning only,
B: the report only), a generator of Busan-like worlds (offers, needs, past matches with outcomes) from one pool."""
