-- Feature flags: the source of truth. definition is flags-client's FlagCodec JSON.
create table rollgate_flag (
    name       text        primary key,
    version    bigint      not null,
    definition jsonb       not null,
    updated_at timestamptz not null default now()
);

-- Every version of every flag; idempotency_key makes a retried change a no-op.
create table rollgate_flag_change (
    id              bigserial   primary key,
    flag            text        not null references rollgate_flag (name),
    version         bigint      not null,
    idempotency_key text        not null unique,
    actor           text        not null,
    reason          text,
    definition      jsonb       not null,
    changed_at      timestamptz not null default now(),
    unique (flag, version)
);
