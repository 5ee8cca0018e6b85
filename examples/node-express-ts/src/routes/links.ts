import { Router } from "express";
import type { LinkStore } from "../store";

export function linksRouter(store: LinkStore, publicBaseUrl: string): Router {
  const router = Router();

  router.post("/", async (req, res) => {
    const url: unknown = req.body?.url;
    if (typeof url !== "string" || !URL.canParse(url)) {
      res.status(400).json({ error: "body must be {\"url\": \"https://...\"}" });
      return;
    }
    const link = await store.create(url);
    res.status(201).location(`${req.baseUrl}/${link.code}`).json({
      ...link,
      shortUrl: `${publicBaseUrl}/r/${link.code}`,
    });
  });

  router.get("/:code", async (req, res) => {
    const link = await store.get(req.params.code);
    if (!link) {
      res.status(404).json({ error: "link not found" });
      return;
    }
    res.json(link);
  });

  router.delete("/:code", async (req, res) => {
    const removed = await store.remove(req.params.code);
    res.status(removed ? 204 : 404).end();
  });

  return router;
}
