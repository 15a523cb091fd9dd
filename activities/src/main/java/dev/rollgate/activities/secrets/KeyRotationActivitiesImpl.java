package dev.rollgate.activities.secrets;

import static dev.rollgate.activities.secrets.DataKeys.DATA_KEY;
import static dev.rollgate.activities.secrets.DataKeys.KEY_ID;
import static dev.rollgate.activities.secrets.DataKeys.TRANSIT_KEY;
import static dev.rollgate.activities.secrets.DataKeys.WRAPPED;

import dev.rollgate.activities.Failures;
import dev.rollgate.workflows.FailureType;
import dev.rollgate.workflows.secrets.KeyRotationActivities;
import dev.rollgate.workflows.secrets.RewrapJob;
import dev.rollgate.workflows.secrets.RewrapProgress;
import dev.rollgate.workflows.secrets.TransitKeyState;
import io.temporal.activity.Activity;
import io.temporal.activity.ActivityExecutionContext;
import io.temporal.failure.ApplicationFailure;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Supplier;
import org.jooq.Condition;
import org.jooq.DSLContext;
import org.jooq.Field;
import org.jooq.Record2;
import org.jooq.impl.DSL;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.vault.core.VaultOperations;
import org.springframework.vault.core.VaultTransitOperations;
import org.springframework.vault.support.Ciphertext;
import org.springframework.vault.support.VaultEncryptionResult;
import org.springframework.vault.support.VaultTransitKey;
import org.springframework.vault.support.VaultTransitKeyConfiguration;

/**
 * Key rotation against OpenBao/Vault transit, through spring-vault's {@link VaultTransitOperations}
 * only, and Rollgate's {@code rollgate_data_key} (jOOQ). The token or AppRole needs, on the key:
 * read {@code <mount>/keys/<key>}, update {@code <mount>/keys/<key>/rotate}, {@code
 * <mount>/keys/<key>/config} and {@code <mount>/rewrap/<key>} ({@link OpenBaoBootstrap}'s policy
 * grants them for {@code rollgate}).
 */
public final class KeyRotationActivitiesImpl implements KeyRotationActivities {
  private static final Logger log = LoggerFactory.getLogger(KeyRotationActivitiesImpl.class);

  /** The version of a wrapped key, {@code vault:v3:...} → 3, in SQL. */
  private static final Field<Integer> VERSION =
      DSL.field("cast(substr(split_part({0}, ':', 2), 2) as integer)", Integer.class, WRAPPED);

  private final VaultOperations vault;
  private final DSLContext db;
  private final String mount;

  /**
   * @param vault a client of the server (see the class comment for the policy it needs), or null
   *     when none is configured: every call is then refused
   * @param db Rollgate's database
   * @param transitMount transit's mount [transit]
   */
  public KeyRotationActivitiesImpl(VaultOperations vault, DSLContext db, String transitMount) {
    this.vault = vault;
    this.db = db;
    this.mount = transitMount == null ? OpenBaoBootstrap.TRANSIT_MOUNT : transitMount;
  }

  private VaultTransitOperations transit() {
    if (vault == null) {
      throw FailureType.REFUSED.permanent(
          "key rotation needs OpenBao/Vault: rollgate.secrets.vault.address is not set");
    }
    return vault.opsForTransit(mount);
  }

  @Override
  public TransitKeyState inspect(String key, int version) {
    VaultTransitKey k = existing(key);
    long dataKeys = count(key, DSL.noCondition());
    long below = version <= 0 ? 0 : count(key, VERSION.lt(version));
    return new TransitKeyState(
        key, k.getLatestVersion(), k.getMinDecryptionVersion(), dataKeys, below);
  }

  @Override
  public int rotate(String key, int fromVersion) {
    VaultTransitKey k = existing(key);
    if (k.getLatestVersion() > fromVersion) {
      return k.getLatestVersion(); // rotated by an earlier attempt
    }
    openBao(
        "rotating transit key " + where(key),
        () -> {
          transit().rotate(key);
          return null;
        });
    int latest = existing(key).getLatestVersion();
    log.info("rotated transit key {}: v{} -> v{}", where(key), fromVersion, latest);
    return latest;
  }

  @Override
  public RewrapProgress rewrap(RewrapJob job) {
    ActivityExecutionContext context = Activity.getExecutionContext();
    // a retried slice goes on from its last heartbeat; without one, from where the last slice ended
    RewrapProgress p = context.getHeartbeatDetails(RewrapProgress.class).orElse(job.from());
    for (int b = 0; b < job.maxBatches() && !p.done(); b++) {
      p = batch(job, p);
      context.heartbeat(p); // throws when cancelled: the batch is committed, the slice stops
    }
    return p;
  }

  /** One batch: rewraps the batch's data keys below the version and updates them in one go. */
  RewrapProgress batch(RewrapJob job, RewrapProgress p) {
    List<Record2<String, String>> rows =
        sql(
            "reading data keys",
            () ->
                db.select(KEY_ID, WRAPPED)
                    .from(DATA_KEY)
                    .where(TRANSIT_KEY.eq(job.key()))
                    .and(p.cursor() == null ? DSL.noCondition() : KEY_ID.gt(p.cursor()))
                    .orderBy(KEY_ID)
                    .limit(job.batchSize())
                    .fetch());
    List<Record2<String, String>> stale = new ArrayList<>();
    for (Record2<String, String> row : rows) {
      if (version(row.value2()) < job.toVersion()) {
        stale.add(row);
      }
    }
    long rewrapped = 0;
    if (!stale.isEmpty()) {
      List<Ciphertext> old = stale.stream().map(r -> Ciphertext.of(r.value2())).toList();
      List<VaultEncryptionResult> results =
          openBao(
              "rewrapping " + stale.size() + " data keys with " + mount + "/rewrap/" + job.key(),
              () -> transit().rewrap(job.key(), old));
      List<String> fresh = new ArrayList<>(results.size());
      for (int i = 0; i < results.size(); i++) {
        VaultEncryptionResult r = results.get(i);
        if (!r.isSuccessful()) {
          throw FailureType.UNAVAILABLE.transientFailure(
              "rewrapping data key "
                  + stale.get(i).value1()
                  + ": "
                  + FailureType.rootMessage(r.getCause()),
              r.getCause());
        }
        fresh.add(r.get().getCiphertext());
      }
      rewrapped =
          sql(
              "storing rewrapped data keys",
              () ->
                  db.transactionResult(
                      tx -> {
                        int n = 0;
                        for (int i = 0; i < stale.size(); i++) {
                          // only if nobody changed it meanwhile (another attempt of this slice)
                          n +=
                              tx.dsl()
                                  .update(DATA_KEY)
                                  .set(WRAPPED, fresh.get(i))
                                  .where(KEY_ID.eq(stale.get(i).value1()))
                                  .and(WRAPPED.eq(stale.get(i).value2()))
                                  .execute();
                        }
                        return (long) n;
                      }));
    }
    return new RewrapProgress(
        rows.isEmpty() ? p.cursor() : rows.getLast().value1(),
        p.scanned() + rows.size(),
        p.rewrapped() + rewrapped,
        p.already() + rows.size() - rewrapped,
        p.total(),
        p.batches() + 1,
        rows.size() < job.batchSize());
  }

  @Override
  public String raiseMinDecryptionVersion(String key, int version) {
    VaultTransitKey k = existing(key);
    if (k.getMinDecryptionVersion() >= version) {
      return "minimum decryption version already v" + k.getMinDecryptionVersion();
    }
    long below = count(key, VERSION.lt(version));
    if (below > 0) {
      throw FailureType.CONFLICT.permanent(
          below
              + " data keys are still wrapped with "
              + where(key)
              + " below v"
              + version
              + ": raising its minimum decryption version would make them undecryptable");
    }
    configure(key, version);
    log.info(
        "raised the minimum decryption version of {}: v{} -> v{}",
        where(key),
        k.getMinDecryptionVersion(),
        version);
    return "minimum decryption version v" + k.getMinDecryptionVersion() + " -> v" + version;
  }

  @Override
  public String keepMinDecryptionVersion(String key, int version) {
    VaultTransitKey k = existing(key);
    int min = k.getMinDecryptionVersion();
    String range = "v" + version + " to v" + k.getLatestVersion();
    if (min > version) {
      configure(key, version);
      return "minimum decryption version of "
          + key
          + " set back from v"
          + min
          + " to v"
          + version
          + ": data keys wrapped with "
          + range
          + " decrypt";
    }
    return "minimum decryption version of "
        + key
        + " stays v"
        + min
        + ": data keys wrapped with "
        + range
        + " decrypt (the rotation to v"
        + k.getLatestVersion()
        + " is kept)";
  }

  private void configure(String key, int minDecryptionVersion) {
    openBao(
        "configuring " + where(key),
        () -> {
          transit()
              .configureKey(
                  key,
                  VaultTransitKeyConfiguration.builder()
                      .minDecryptionVersion(minDecryptionVersion)
                      .build());
          return null;
        });
  }

  private VaultTransitKey existing(String key) {
    VaultTransitKey k = openBao("reading transit key " + where(key), () -> transit().getKey(key));
    if (k == null) {
      throw FailureType.NOT_FOUND.permanent(
          "transit key '" + key + "' does not exist (" + mount + "/keys/" + key + ")");
    }
    return k;
  }

  private long count(String key, Condition condition) {
    return sql(
        "counting data keys",
        () ->
            (long)
                db.fetchCount(
                    db.selectOne().from(DATA_KEY).where(TRANSIT_KEY.eq(key)).and(condition)));
  }

  private String where(String key) {
    return mount + "/keys/" + key;
  }

  /** {@code vault:v3:...} → 3; 0 when it is not of that form. */
  static int version(String wrapped) {
    if (wrapped == null || !wrapped.startsWith("vault:v")) {
      return 0;
    }
    int end = wrapped.indexOf(':', 7);
    try {
      return Integer.parseInt(wrapped.substring(7, end < 0 ? wrapped.length() : end));
    } catch (NumberFormatException e) {
      return 0;
    }
  }

  /**
   * Runs a spring-vault call; a denied policy is {@code REFUSED} and a refused request {@code
   * INVALID_INPUT} (never retried), anything else {@code UNAVAILABLE} (retried).
   */
  private static <T> T openBao(String what, Supplier<T> call) {
    try {
      return call.get();
    } catch (ApplicationFailure f) {
      throw f;
    } catch (RuntimeException e) {
      VaultSecrets.SecretsException explained = VaultSecrets.explain(e, what);
      if (!explained.permanent()) {
        throw FailureType.UNAVAILABLE.transientFailure(explained.getMessage(), e);
      }
      FailureType type =
          explained.getMessage().startsWith("OpenBao denied")
              ? FailureType.REFUSED
              : FailureType.INVALID_INPUT;
      throw type.permanent(explained.getMessage());
    }
  }

  private static <T> T sql(String doing, Supplier<T> call) {
    try {
      return call.get();
    } catch (RuntimeException e) {
      throw Failures.translate(doing, e);
    }
  }
}
