"""List imports: reading files safely, mapping columns, and the matching engine."""
