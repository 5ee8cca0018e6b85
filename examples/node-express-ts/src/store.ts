import { randomBytes } from "node:crypto";
import type { Redis } from "ioredis";

export interface Link {
  code: string;
  url: string;
  createdAt: string;
  hits: number;
}

const key = (code: string) => `link:${code}`;

export class LinkStore {
  constructor(
    private readonly redis: Redis,
    private readonly ttlSeconds: number,
  ) {}

  async create(url: string): Promise<Link> {
    for (let attempt = 0; attempt < 5; attempt++) {
      const code = randomBytes(5).toString("base64url");
      const created = await this.redis.hsetnx(key(code), "url", url);
      if (created === 1) {
        const createdAt = new Date().toISOString();
        await this.redis
          .multi()
          .hset(key(code), { createdAt, hits: 0 })
          .expire(key(code), this.ttlSeconds)
          .exec();
        return { code, url, createdAt, hits: 0 };
      }
    }
    throw new Error("could not allocate a unique code");
  }

  async get(code: string): Promise<Link | null> {
    const data = await this.redis.hgetall(key(code));
    if (!data.url) return null;
    return { code, url: data.url, createdAt: data.createdAt, hits: Number(data.hits ?? 0) };
  }

  async hit(code: string): Promise<string | null> {
    const url = await this.redis.hget(key(code), "url");
    if (url) await this.redis.hincrby(key(code), "hits", 1);
    return url;
  }

  async remove(code: string): Promise<boolean> {
    return (await this.redis.del(key(code))) === 1;
  }
}
