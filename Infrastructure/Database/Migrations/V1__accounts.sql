-- Accounts: users, the three roles, and who holds which.
-- Usernames and emails are unique regardless of case: the unique indexes are on lower(),
-- and every lookup by name uses lower() so it is served by the same index.

CREATE TABLE roles (
    id   smallint PRIMARY KEY,
    name text NOT NULL UNIQUE
);

INSERT INTO roles (id, name) VALUES (1, 'user'), (2, 'manager'), (3, 'admin');

CREATE TABLE users (
    id            bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    username      varchar(80)  NOT NULL,
    email         varchar(120) NOT NULL,
    password_hash text         NOT NULL,
    is_active     boolean      NOT NULL DEFAULT true,
    created_at    timestamptz  NOT NULL DEFAULT now(),
    updated_at    timestamptz  NOT NULL DEFAULT now()
);

CREATE UNIQUE INDEX ux_users_username_lower ON users (lower(username));
CREATE UNIQUE INDEX ux_users_email_lower ON users (lower(email));

CREATE TABLE user_roles (
    user_id bigint   NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    role_id smallint NOT NULL REFERENCES roles (id),
    PRIMARY KEY (user_id, role_id)
);
