-- Append-only log of every operator action and every state change a workflow makes.
create table rollgate_audit (
    id              bigserial   primary key,
    idempotency_key text        not null unique,
    at              timestamptz not null,
    recorded_at     timestamptz not null default now(),
    actor           text        not null,
    action          text        not null,
    workflow_id     text,
    details         text
);

create index rollgate_audit_workflow on rollgate_audit (workflow_id, id);

create function rollgate_audit_append_only() returns trigger
    language plpgsql as
$$
begin
    raise exception 'rollgate_audit is append-only: % is not allowed', tg_op;
end
$$;

create trigger rollgate_audit_no_rewrites
    before update or delete on rollgate_audit
    for each row execute function rollgate_audit_append_only();

create trigger rollgate_audit_no_truncate
    before truncate on rollgate_audit
    for each statement execute function rollgate_audit_append_only();
