-- Personal access tokens: a script or an integration acts as its user without the user's password.
-- Only the SHA-256 of a token is stored (the token is 32 random bytes, so a fast hash is enough): a copy of this
-- table lets no one sign in. Revoked tokens keep their row (revoked_at) so a list or an audit can still name them.
CREATE TABLE access_tokens (
    id           bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    user_id      bigint      NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    name         text        NOT NULL CHECK (length(name) BETWEEN 1 AND 100),
    token_hash   bytea       NOT NULL UNIQUE CHECK (length(token_hash) = 32),
    scopes       text[]      NOT NULL CHECK (cardinality(scopes) > 0
                                 AND scopes <@ ARRAY['tasks:read', 'tasks:write', 'imports', 'webhooks', 'admin']),
    created_at   timestamptz NOT NULL DEFAULT now(),
    expires_at   timestamptz NOT NULL,
    -- Written at most once a minute per token, not on every request.
    last_used_at timestamptz,
    revoked_at   timestamptz
);

-- A user's list, and the count that caps how many live tokens one user may hold.
CREATE INDEX ix_access_tokens_user ON access_tokens (user_id, id) WHERE revoked_at IS NULL;
