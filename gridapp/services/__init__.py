"""Use cases: each opens the transaction, loads rows, calls the core, writes rows."""
