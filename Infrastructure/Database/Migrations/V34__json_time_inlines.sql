-- json_time (V32) was declared IMMUTABLE over the STABLE to_char, and PostgreSQL inlines a SQL function only when
-- its body is no more volatile than declared: every resource it wrote planned it anew, four times a task write.
-- STABLE is what the body is; the resource functions' cached plans now hold the expression itself.
CREATE OR REPLACE FUNCTION json_time(ts timestamptz) RETURNS text LANGUAGE sql STABLE AS $$
    SELECT rtrim(rtrim(to_char(ts AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US'), '0'), '.') || 'Z'
$$;
