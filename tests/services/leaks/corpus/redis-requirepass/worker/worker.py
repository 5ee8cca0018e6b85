import os

import redis

client = redis.Redis.from_url(os.environ["REDIS_URL"])
while True:
    job = client.blpop("jobs", timeout=5)
