-- Flags can be deleted (rollgate flags delete): the flag's row leaves rollgate_flag, so that every
-- reader of it (flags-client's JDBC fallback included) no longer sees the flag, while its history
-- stays. The deletion is a row of the history with the next version and deleted = true (definition:
-- the flag as it was); a flag created again under the name continues from that version, so
-- versions stay increasing for Redis and the clients.
alter table rollgate_flag_change drop constraint rollgate_flag_change_flag_fkey;

alter table rollgate_flag_change add column deleted boolean not null default false;
