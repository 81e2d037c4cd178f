-- 0001: every record of the store. Times are timestamptz (written from ISO strings with milliseconds); counters are
-- bigint. No secret is stored in clear: API keys and sessions by keyed digest, tokens and kept key secrets encrypted.

-- Values about the data itself: the APP_SECRET check value (see secret-check.ts), the digest of a JSON import.
CREATE TABLE meta (
  name text PRIMARY KEY,
  value text NOT NULL
);

CREATE TABLE users (
  uuid text PRIMARY KEY,
  username text NOT NULL,
  token text NOT NULL,
  token_kind text CHECK (token_kind IN ('user', 'app')),
  app_uid text,
  disabled_at timestamptz,
  created_at timestamptz NOT NULL,
  updated_at timestamptz NOT NULL
);

CREATE TABLE sessions (
  digest text PRIMARY KEY,
  user_id text NOT NULL,
  created_at timestamptz NOT NULL,
  expires_at timestamptz NOT NULL
);
CREATE INDEX sessions_user_id ON sessions (user_id);
CREATE INDEX sessions_expires_at ON sessions (expires_at);

-- A key may belong to a user id with no users row (the contract allows it), hence no foreign keys.
CREATE TABLE keys (
  id text PRIMARY KEY,
  user_id text NOT NULL,
  name text NOT NULL,
  digest text NOT NULL UNIQUE,
  preview text NOT NULL,
  secret text,
  created_at timestamptz NOT NULL,
  updated_at timestamptz,
  previous_digest text,
  previous_expires_at timestamptz,
  expires_at timestamptz,
  disabled boolean NOT NULL DEFAULT false,
  allowed_models text[] NOT NULL DEFAULT '{}',
  rpm integer,
  concurrency integer,
  budget_usd double precision,
  budget_period text CHECK (budget_period IN ('day', 'week', 'month', 'total')),
  last_used_at timestamptz,
  request_count bigint NOT NULL DEFAULT 0,
  error_count bigint NOT NULL DEFAULT 0,
  input_tokens bigint NOT NULL DEFAULT 0,
  output_tokens bigint NOT NULL DEFAULT 0,
  cost_micro_usd bigint NOT NULL DEFAULT 0
);
CREATE INDEX keys_user_id ON keys (user_id);

-- One key's usage of one model on one UTC day; rows outlive their key (the user's history), not their user.
CREATE TABLE usage (
  key_id text NOT NULL,
  day date NOT NULL,
  model text NOT NULL,
  user_id text NOT NULL,
  requests bigint NOT NULL DEFAULT 0,
  errors bigint NOT NULL DEFAULT 0,
  input_tokens bigint NOT NULL DEFAULT 0,
  output_tokens bigint NOT NULL DEFAULT 0,
  reasoning_tokens bigint NOT NULL DEFAULT 0,
  cached_tokens bigint NOT NULL DEFAULT 0,
  images bigint NOT NULL DEFAULT 0,
  speech_characters bigint NOT NULL DEFAULT 0,
  audio_seconds bigint NOT NULL DEFAULT 0,
  cost_micro_usd bigint NOT NULL DEFAULT 0,
  PRIMARY KEY (key_id, day, model)
);
CREATE INDEX usage_user_day ON usage (user_id, day);
CREATE INDEX usage_day ON usage (day);

-- Each user's audit trail; seq is the order entries were appended in.
CREATE TABLE audit (
  seq bigserial PRIMARY KEY,
  id text NOT NULL UNIQUE,
  user_id text NOT NULL,
  at timestamptz NOT NULL,
  action text NOT NULL,
  key_id text,
  key_name text,
  ip text NOT NULL,
  user_agent text NOT NULL,
  fields text[],
  grace_seconds double precision
);
CREATE INDEX audit_user_seq ON audit (user_id, seq);
