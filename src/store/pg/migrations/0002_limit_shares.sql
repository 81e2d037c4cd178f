-- 0002: limits shared by the instances on this database. A limit (a key's concurrency or requests per minute, a
-- Puter account's calls in flight or per 10 s) is split into shares: each instance holds some units of it and
-- counts against them in memory, takes more from here when it needs them, and gives back what it no longer uses.
-- The units held by live instances never add up to more than the limit. A share lives until expires_at; each
-- instance renews its own every second, so the shares of an instance that died stop counting a few seconds later.
CREATE TABLE limit_shares (
  resource text NOT NULL,
  instance text NOT NULL,
  held integer NOT NULL CHECK (held >= 0),
  expires_at timestamptz NOT NULL,
  PRIMARY KEY (resource, instance)
);
CREATE INDEX limit_shares_instance ON limit_shares (instance);
