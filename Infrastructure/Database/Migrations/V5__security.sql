-- Security: refresh tokens, failed-login lockout, and a per-account token version.
-- Numbered 5 so it cannot clash with the CSV-import migration being written as V4 at the same time.

-- Bumped whenever an account's roles or active flag change. Access tokens carry the version they were
-- issued under (claim "tv"); a token of an older version is refused, so a role change or a deactivation
-- takes effect at once instead of when the token expires.
ALTER TABLE users
    ADD COLUMN token_version  integer     NOT NULL DEFAULT 0,
    -- Failed sign-ins since the last success; reaching the limit locks the account until locked_until.
    ADD COLUMN failed_logins  integer     NOT NULL DEFAULT 0,
    ADD COLUMN locked_until   timestamptz;

-- A family is one sign-in: the chain of refresh tokens that rotation derives from one login. Revoking the
-- family (logout, reuse of a spent token, deactivation) ends every token of the chain at once.
CREATE TABLE refresh_token_families (
    id             uuid        PRIMARY KEY,
    user_id        bigint      NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    created_at     timestamptz NOT NULL DEFAULT now(),
    revoked_at     timestamptz,
    revoked_reason text CHECK (revoked_reason IN ('logout', 'reuse', 'deactivated'))
);

CREATE INDEX ix_refresh_token_families_user ON refresh_token_families (user_id) WHERE revoked_at IS NULL;

-- Only the SHA-256 of a token is stored: a copy of this table lets no one sign in. A token is used once:
-- rotation marks it spent (used_at) and issues the next in the same family.
CREATE TABLE refresh_tokens (
    token_hash bytea       PRIMARY KEY CHECK (length(token_hash) = 32),
    family_id  uuid        NOT NULL REFERENCES refresh_token_families (id) ON DELETE CASCADE,
    issued_at  timestamptz NOT NULL DEFAULT now(),
    expires_at timestamptz NOT NULL,
    used_at    timestamptz
);

-- Rotation and revocation work per family; expired rows are purged per family and per user as they sign in,
-- so the table stays in proportion to the live sign-ins.
CREATE INDEX ix_refresh_tokens_family ON refresh_tokens (family_id, expires_at);
