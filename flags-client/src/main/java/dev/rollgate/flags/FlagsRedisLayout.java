package dev.rollgate.flags;

/**
 * Where flags live in Redis; shared by the writer (server) and every {@link FlagsClient}.
 *
 * <ul>
 *   <li>{@link #HASH_KEY}: one hash; field = flag name, value = {@link FlagCodec} JSON of the flag.
 *   <li>{@link #CHANNEL}: pub/sub channel; every message is the full {@link FlagCodec} JSON of a
 *       changed flag, so subscribers apply it without a round trip, or a {@link FlagDeletion}
 *       ({@code {"deleted":"name","version":7}}): subscribers drop the flag. Writers {@code HSET}
 *       (or {@code HDEL}) first and {@code PUBLISH} second.
 *   <li>{@link #DELETED_KEY}: one hash of tombstones; field = deleted flag name, value = the
 *       deletion's version (decimal). A writer never puts a version at or below it back into {@link
 *       #HASH_KEY}, so a late publish cannot bring a deleted flag back.
 * </ul>
 *
 * <p>PostgreSQL is the source of truth (table {@value #PG_TABLE}: {@code name text primary key,
 * version bigint not null, definition jsonb not null, updated_at timestamptz not null}, where
 * {@code definition} is {@link FlagCodec} JSON); clients read it only as a fallback.
 */
public final class FlagsRedisLayout {

  /** Redis hash holding every flag: field = flag name, value = {@link FlagCodec} JSON. */
  public static final String HASH_KEY = "rollgate:flags";

  /**
   * Pub/sub channel; each message is the full {@link FlagCodec} JSON of one changed flag, or of a
   * {@link FlagDeletion}.
   */
  public static final String CHANNEL = "rollgate:flags:changed";

  /** Redis hash of deleted flags: field = flag name, value = the deletion's version. */
  public static final String DELETED_KEY = "rollgate:flags:deleted";

  /** PostgreSQL table the server keeps flags in (the client only reads {@code definition}). */
  public static final String PG_TABLE = "rollgate_flag";

  private FlagsRedisLayout() {}
}
