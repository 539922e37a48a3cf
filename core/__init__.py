"""possibles core: the platform-neutral library (domain rules, use cases, storage, neutral replies)."""
