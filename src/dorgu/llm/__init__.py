"""The optional LLM enhancer: provider adapters, redaction, prompts, retries and the cache.

The only package that talks to an LLM over HTTP.  Importing it must stay cheap: ``httpx`` is
imported only when a request is actually sent (``dorgu.llm.sending``), so the rule-based path and
``dorgu --help`` never pay for it.  Must not print, read settings files, or change anything but
the values it returns; nothing here runs unless a provider is configured.
"""
