-- Login's database work for a good password: FindUserSql, then SignedInSql (a new refresh-token family and
-- token). The password hash check and the JWT are CPU work in the service with no SQL counterpart.
-- run.sh passes -D uname="'<bench user>'" (quoted: pgbench substitutes text) -D uid=<its id>.
SELECT u.id, u.username, u.password_hash, u.is_active, u.token_version,
       coalesce(u.locked_until > now(), false) AS locked,
       ARRAY(SELECT r.name FROM user_roles ur JOIN roles r ON r.id = ur.role_id
             WHERE ur.user_id = u.id ORDER BY r.id) AS roles
FROM users u
WHERE lower(u.username) = lower(:uname);
WITH cleared AS (
    UPDATE users SET failed_logins = 0, locked_until = NULL
    WHERE id = :uid AND (failed_logins <> 0 OR locked_until IS NOT NULL)
), purged AS (
    DELETE FROM refresh_token_families f
    WHERE f.user_id = :uid
      AND NOT EXISTS (SELECT 1 FROM refresh_tokens t WHERE t.family_id = f.id AND t.expires_at > now())
), family AS (
    INSERT INTO refresh_token_families (id, user_id) VALUES (gen_random_uuid(), :uid)
    RETURNING id
)
INSERT INTO refresh_tokens (token_hash, family_id, expires_at)
SELECT sha256(gen_random_uuid()::text::bytea), id, now() + make_interval(days => 14) FROM family;
