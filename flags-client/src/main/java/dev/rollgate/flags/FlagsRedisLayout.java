package dev.rollgate.flags;

/**
 * Where flags live in Redis; shared by the writer (server) and every {@link FlagsClient}.
 *
 * <ul>
 *   <li>{@link #HASH_KEY}: one hash; field = flag name, value = {@link FlagCodec} JSON of the flag.
 *   <li>{@link #CHANNEL}: pub/sub channel; every message is the full {@link FlagCodec} JSON of a
 *       changed flag, so subscribers apply it without a round trip. Writers {@code HSET} first and
 *       {@code PUBLISH} second.
 * </ul>
 *
 * <p>PostgreSQL is the source of truth (table {@value #PG_TABLE}: {@code name text primary key,
 * version bigint not null, definition jsonb not null, updated_at timestamptz not null}, where
 * {@code definition} is {@link FlagCodec} JSON); clients read it only as a fallback.
 */
public final class FlagsRedisLayout {

  /** Redis hash holding every flag: field = flag name, value = {@link FlagCodec} JSON. */
  public static final String HASH_KEY = "rollgate:flags";

  /** Pub/sub channel; each message is the full {@link FlagCodec} JSON of one changed flag. */
  public static final String CHANNEL = "rollgate:flags:changed";

  /** PostgreSQL table the server keeps flags in (the client only reads {@code definition}). */
  public static final String PG_TABLE = "rollgate_flag";

  private FlagsRedisLayout() {}
}
