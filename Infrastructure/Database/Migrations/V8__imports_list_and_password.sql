-- GET /api/v2/imports: a user's imports newest first (an admin's: everyone's), paged by keyset on (created_at, id).
CREATE INDEX ix_imports_requested_by_created ON imports (requested_by, created_at DESC, id DESC);
CREATE INDEX ix_imports_created ON imports (created_at DESC, id DESC);

-- PUT /api/me/password ends every sign-in of the account.
ALTER TABLE refresh_token_families DROP CONSTRAINT refresh_token_families_revoked_reason_check;
ALTER TABLE refresh_token_families ADD CONSTRAINT refresh_token_families_revoked_reason_check
    CHECK (revoked_reason IN ('logout', 'reuse', 'deactivated', 'password'));
