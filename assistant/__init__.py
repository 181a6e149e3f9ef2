"""The assistant: router, typed tools and the answer contract. Knows nothing of HTTP."""
