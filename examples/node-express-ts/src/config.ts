export interface Config {
  port: number;
  redisUrl: string;
  publicBaseUrl: string;
  linkTtlSeconds: number;
}

export function loadConfig(env: NodeJS.ProcessEnv = process.env): Config {
  const port = Number(env.PORT ?? 3000);
  return {
    port,
    redisUrl: env.REDIS_URL ?? "redis://localhost:6379/0",
    publicBaseUrl: env.PUBLIC_BASE_URL ?? `http://localhost:${port}`,
    linkTtlSeconds: Number(env.LINK_TTL_SECONDS ?? 60 * 60 * 24 * 30),
  };
}
