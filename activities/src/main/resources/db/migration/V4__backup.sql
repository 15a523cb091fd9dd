-- One row per backup (id = the backup workflow's id): one object per row, under every retry.
create table rollgate_backup (
    backup_id       text        primary key,
    database        text        not null,
    status          text        not null check (status in ('RUNNING', 'COMPLETED', 'FAILED', 'DELETED')),
    bucket          text        not null,
    object_key      text        not null,
    size_bytes      bigint      not null default 0,
    sha256          text,
    server_version  text,
    pg_dump_version text,
    format          text        not null,
    started_at      timestamptz not null,
    finished_at     timestamptz,
    row_counts      jsonb       not null default '{}',
    verified_at     timestamptz,
    schedule_id     text,
    error           text
);
create index rollgate_backup_by_database on rollgate_backup (database, started_at desc);

-- Restore drills: restored into a scratch database and compared with the backup's row counts.
create table rollgate_backup_drill (
    drill_id       text        primary key,
    backup_id      text        not null,
    database       text        not null,
    passed         boolean     not null,
    restore_millis bigint      not null,
    mismatches     jsonb       not null default '[]',
    at             timestamptz not null
);
