-- One row per stage of a deployment (canary step, smoke checks, load test, rollback): its figures
-- and verdict as StageReport JSON. (run_key, stage) makes a retried save a no-op.
create table rollgate_deploy_report (
    id             bigserial   primary key,
    deployment     text        not null,
    run_key        text        not null,
    service        text        not null,
    version        text        not null,
    stage          text        not null,
    canary_percent integer     not null,
    verdict        text        not null,
    report         jsonb       not null,
    at             timestamptz not null,
    unique (run_key, stage)
);

create index rollgate_deploy_report_service on rollgate_deploy_report (service, at);
create index rollgate_deploy_report_deployment on rollgate_deploy_report (deployment, at);
