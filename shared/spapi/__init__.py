"""Amazon Selling Partner API client: LWA tokens, rate limits, typed operations and page iterators.

Entry points: `SpApiClient` (client.py), `LwaClient` and `LwaTokenProvider` (lwa.py, tokens.py), the limiters
(`InMemoryRateLimiter` in ratelimit.py, `DynamoDbRateLimiter` in ratelimit_dynamodb.py), the marketplace table
(marketplaces.py), the exceptions (errors.py) and the page iterators (paging.py).
"""
