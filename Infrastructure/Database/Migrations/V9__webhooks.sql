-- Webhooks: HTTP subscriptions to events, and the deliveries a worker makes to them.

-- Secrets are stored encrypted (AES-GCM, key from configuration): a dump of this table cannot sign.
CREATE TABLE webhook_subscriptions (
    id                         bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    url                        text        NOT NULL CHECK (length(url) <= 2048),
    events                     text[]      NOT NULL CHECK (cardinality(events) > 0),
    description                text        CHECK (length(description) <= 1000),
    active                     boolean     NOT NULL DEFAULT true,
    secret                     bytea       NOT NULL,
    previous_secret            bytea,
    previous_secret_expires_at timestamptz,
    failing_since              timestamptz,
    created_by                 bigint      REFERENCES users (id) ON DELETE SET NULL,
    created_at                 timestamptz NOT NULL DEFAULT now(),
    updated_at                 timestamptz NOT NULL DEFAULT now()
);

-- Fan-out matches an event type against the active subscriptions' lists.
CREATE INDEX ix_webhook_subscriptions_events ON webhook_subscriptions USING gin (events) WHERE active;

-- One row per (subscription, event): a redelivered event inserts nothing more. The id is the webhook-id header.
-- While a worker sends it, next_attempt_at is its lease: a crashed worker's delivery comes due again.
CREATE TABLE webhook_deliveries (
    id               uuid        PRIMARY KEY DEFAULT gen_random_uuid(),
    subscription_id  bigint      NOT NULL REFERENCES webhook_subscriptions (id) ON DELETE CASCADE,
    event_id         uuid        NOT NULL,
    event_type       text        NOT NULL,
    body             text        NOT NULL,
    status           text        NOT NULL DEFAULT 'pending' CHECK (status IN ('pending', 'succeeded', 'failed')),
    attempts         integer     NOT NULL DEFAULT 0,
    last_status_code integer,
    last_error       text,
    next_attempt_at  timestamptz,
    created_at       timestamptz NOT NULL DEFAULT clock_timestamp(),
    completed_at     timestamptz,
    UNIQUE (subscription_id, event_id)
);

-- The dispatcher claims due pending deliveries in order.
CREATE INDEX ix_webhook_deliveries_due ON webhook_deliveries (next_attempt_at) WHERE status = 'pending';
-- GET /api/v2/webhooks/{id}/deliveries: newest first, by keyset on (created_at, id).
CREATE INDEX ix_webhook_deliveries_subscription ON webhook_deliveries (subscription_id, created_at DESC, id DESC);

-- Every attempt: what the receiver answered (or why it could not), and how long it took.
CREATE TABLE webhook_attempts (
    id           bigint      GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    delivery_id  uuid        NOT NULL REFERENCES webhook_deliveries (id) ON DELETE CASCADE,
    attempted_at timestamptz NOT NULL DEFAULT clock_timestamp(),
    status_code  integer,
    error        text,
    duration_ms  integer     NOT NULL
);

CREATE INDEX ix_webhook_attempts_delivery ON webhook_attempts (delivery_id, id);

-- A task as v2 shows it: what a task.* webhook event carries as data.
CREATE FUNCTION task_resource(t tasks) RETURNS jsonb LANGUAGE sql STABLE AS $$
    SELECT jsonb_build_object(
        'id', t.id, 'task_name', t.task_name, 'description', t.description, 'priority', t.priority, 'done', t.done,
        'completed_at', t.completed_at, 'due_date', t.due_date, 'assigned_user_id', t.assigned_user_id,
        'assigned_user', (SELECT username FROM users WHERE id = t.assigned_user_id), 'created_by', t.created_by,
        'created_at', t.created_at, 'updated_at', t.updated_at, 'deleted_at', t.deleted_at, 'version', t.version)
$$;

-- TaskChanged events also carry the task after the change (before it, for a purge), so a receiver gets the state
-- of that change, with its version, however late the event is delivered.
CREATE OR REPLACE FUNCTION task_changed_event(action text, old_row tasks, new_row tasks, actor bigint) RETURNS jsonb LANGUAGE sql STABLE AS $$
    SELECT jsonb_build_object(
        'task_id', coalesce(new_row.id, old_row.id),
        'action', action,
        'changes', task_changes(old_row, new_row),
        'previous_status', old_row.status,
        'new_status', new_row.status,
        'modified_by', actor,
        'modified_by_username', (SELECT username FROM users WHERE id = actor),
        'changed_at', now(),
        'task', CASE WHEN new_row.id IS NOT NULL THEN task_resource(new_row) ELSE task_resource(old_row) END)
$$;
