"""Provider adapters: one module per wire protocol, each a thin layer over ``Requester``.

``openai`` (Chat Completions, also Azure and OpenAI-compatible servers), ``anthropic``
(Messages API with a forced tool), ``gemini`` (generateContent with a response schema),
``ollama`` (native ``/api/chat`` with a ``format`` schema).  Modules are imported by
``dorgu.llm.selecting`` only for the provider in use.  Must not import an SDK or read settings.
"""
