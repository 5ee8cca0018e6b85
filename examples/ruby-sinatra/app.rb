# frozen_string_literal: true

require "json"
require "redis"
require "sinatra/base"
require "zlib"

# Feature flags with percentage rollouts, stored as Redis hashes.
class FlagsApp < Sinatra::Base
  NAME = /\A[a-z0-9][a-z0-9_.-]{0,63}\z/

  configure do
    set :redis, Redis.new(url: ENV.fetch("REDIS_URL", "redis://localhost:6379/0"))
    set :show_exceptions, false
  end

  before do
    content_type :json
  end

  helpers do
    def redis = settings.redis

    def flag_key(name) = "flag:#{name}"

    def load_flag(name)
      data = redis.hgetall(flag_key(name))
      return nil if data.empty?

      { name: name, enabled: data["enabled"] == "true", rollout: Integer(data.fetch("rollout", "100")),
        description: data["description"] }
    end

    def json_body
      JSON.parse(request.body.read)
    rescue JSON::ParserError
      halt 400, { error: "body must be JSON" }.to_json
    end
  end

  get "/health" do
    { status: "ok" }.to_json
  end

  get "/ready" do
    redis.ping
    { status: "ok", redis: "up" }.to_json
  rescue Redis::BaseError
    halt 503, { status: "unavailable", redis: "down" }.to_json
  end

  get "/flags" do
    names = redis.smembers("flags").sort
    names.filter_map { |name| load_flag(name) }.to_json
  end

  get "/flags/:name" do
    flag = load_flag(params[:name]) or halt 404, { error: "flag not found" }.to_json
    flag.to_json
  end

  put "/flags/:name" do
    name = params[:name]
    halt 400, { error: "invalid flag name" }.to_json unless NAME.match?(name)
    body = json_body
    rollout = Integer(body.fetch("rollout", 100), exception: false)
    halt 400, { error: "rollout must be 0..100" }.to_json unless rollout&.between?(0, 100)

    redis.multi do |tx|
      tx.hset(flag_key(name), "enabled", body.fetch("enabled", false) ? "true" : "false",
              "rollout", rollout.to_s, "description", body.fetch("description", "").to_s)
      tx.sadd("flags", name)
    end
    load_flag(name).to_json
  end

  delete "/flags/:name" do
    removed = redis.del(flag_key(params[:name]))
    redis.srem("flags", params[:name])
    halt 404, { error: "flag not found" }.to_json if removed.zero?
    status 204
    ""
  end

  # Is the flag on for this user? Users are bucketed by a stable hash of flag and user id.
  get "/flags/:name/evaluate" do
    flag = load_flag(params[:name]) or halt 404, { error: "flag not found" }.to_json
    user = params[:user].to_s
    halt 400, { error: "query parameter user is required" }.to_json if user.empty?
    bucket = Zlib.crc32("#{flag[:name]}:#{user}") % 100
    { flag: flag[:name], user: user, enabled: flag[:enabled] && bucket < flag[:rollout] }.to_json
  end
end
