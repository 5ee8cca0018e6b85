# frozen_string_literal: true

port ENV.fetch("PORT", 9292)
environment ENV.fetch("RACK_ENV", "production")

max_threads = Integer(ENV.fetch("PUMA_MAX_THREADS", 5))
threads max_threads, max_threads
workers Integer(ENV.fetch("WEB_CONCURRENCY", 0))

preload_app!
