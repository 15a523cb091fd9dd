package dev.rollgate.activities.databases;

import dev.rollgate.activities.secrets.Redacted;
import dev.rollgate.activities.secrets.SecretSource;
import dev.rollgate.activities.secrets.VaultSecrets;
import dev.rollgate.workflows.FailureType;
import dev.rollgate.workflows.backup.BackupIds;
import java.net.URI;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Properties;
import java.util.TreeMap;

/**
 * The PostgreSQL databases Rollgate may back up, restore and migrate: name → JDBC URL and user, the
 * password through a {@link SecretSource} (reference {@code databases/<name>/password}), or user
 * and password both from the source's dynamic credentials (OpenBao's database engine). Shared by
 * the backup and migrations kinds. An unknown name is a non-retryable {@code NOT_FOUND} naming the
 * registered ones.
 */
public final class DatabaseRegistry {
  /** A registered database's settings (the password is looked up when connecting). */
  public record Settings(String url, String username) {
    @Override
    public String toString() {
      return "Settings[url=" + Redacted.url(url) + ", username=" + username + "]";
    }
  }

  /**
   * How to reach one database.
   *
   * @param name the registered name
   * @param jdbcUrl e.g. {@code jdbc:postgresql://db:5432/orders}
   */
  public record Target(String name, String jdbcUrl, String username, String password) {
    /** Never the password: targets end up in logs and failure messages. */
    @Override
    public String toString() {
      return "Target[name="
          + name
          + ", jdbcUrl="
          + Redacted.url(jdbcUrl)
          + ", username="
          + username
          + ", password="
          + Redacted.secret(password)
          + "]";
    }

    /** This server's database {@code database} (restores, scratch databases). */
    public Target onDatabase(String database) {
      URI uri = URI.create(jdbcUrl.substring("jdbc:".length()));
      String rebuilt =
          "jdbc:postgresql://"
              + uri.getRawAuthority()
              + "/"
              + database
              + (uri.getRawQuery() == null ? "" : "?" + uri.getRawQuery());
      return new Target(name, rebuilt, username, password);
    }

    /** The database name in the URL. */
    public String databaseName() {
      String path = URI.create(jdbcUrl.substring("jdbc:".length())).getPath();
      return path == null || path.length() <= 1 ? username : path.substring(1);
    }

    /** {@code host:port} of the server. */
    public String server() {
      return URI.create(jdbcUrl.substring("jdbc:".length())).getRawAuthority();
    }

    /**
     * A libpq connection URI for pg_dump and pg_restore, without user and password (those go into
     * the child's environment, never onto its command line); of the JDBC parameters only {@code
     * sslmode} carries over.
     */
    public String libpqUri() {
      URI uri = URI.create(jdbcUrl.substring("jdbc:".length()));
      String sslmode = null;
      if (uri.getRawQuery() != null) {
        for (String p : uri.getRawQuery().split("&")) {
          if (p.startsWith("sslmode=")) {
            sslmode = p;
          }
        }
      }
      return "postgresql://"
          + uri.getRawAuthority()
          + "/"
          + databaseName()
          + (sslmode == null ? "" : "?" + sslmode);
    }

    /** The environment pg_dump and pg_restore need: PGUSER and PGPASSWORD. */
    public Map<String, String> libpqEnvironment() {
      Map<String, String> env = new TreeMap<>();
      if (username != null && !username.isBlank()) {
        env.put("PGUSER", username);
      }
      env.put("PGPASSWORD", password == null ? "" : password);
      return env;
    }

    public Connection open() throws SQLException {
      Properties props = new Properties();
      if (username != null) {
        props.setProperty("user", username);
      }
      if (password != null) {
        props.setProperty("password", password);
      }
      props.setProperty("connectTimeout", "10");
      return DriverManager.getConnection(jdbcUrl, props);
    }
  }

  private final Map<String, Settings> databases;
  private final SecretSource secrets;

  public DatabaseRegistry(Map<String, Settings> databases, SecretSource secrets) {
    Map<String, Settings> copy = new TreeMap<>();
    (databases == null ? Map.<String, Settings>of() : databases)
        .forEach(
            (name, settings) -> {
              String problem = BackupIds.databaseProblem(name);
              if (problem != null) {
                throw new IllegalArgumentException("rollgate.databases: " + problem);
              }
              if (settings == null
                  || settings.url() == null
                  || !settings.url().startsWith("jdbc:postgresql://")) {
                throw new IllegalArgumentException(
                    "rollgate.databases."
                        + name
                        + ".url must be a jdbc:postgresql://host:port/database URL");
              }
              copy.put(name, settings);
            });
    this.databases = Collections.unmodifiableMap(copy);
    this.secrets = secrets;
  }

  /** The registered names, sorted. */
  public List<String> names() {
    return List.copyOf(databases.keySet());
  }

  /**
   * How to reach {@code name}; non-retryable {@code NOT_FOUND} when it is not registered. For work
   * that runs long, {@link #hold(String)} instead: dynamic credentials given here may be rotated
   * and revoked while in use.
   */
  public Target target(String name) {
    try (Held held = hold(name)) {
      return held.target();
    }
  }

  /**
   * How to reach {@code name}, with its credentials held until {@link Held#close()}: a rotation
   * meanwhile gives later callers new credentials and revokes these only once released. A failure
   * of the secret source is non-retryable {@code REFUSED} when retrying cannot help (denied, no
   * such role), else a retryable {@code UNAVAILABLE}.
   */
  public Held hold(String name) {
    String problem = BackupIds.databaseProblem(name);
    if (problem != null) {
      throw FailureType.INVALID_INPUT.permanent(problem);
    }
    Settings s = databases.get(name);
    if (s == null) {
      throw FailureType.NOT_FOUND.permanent(
          "unknown database '"
              + name
              + "' (registered: "
              + (databases.isEmpty() ? "none" : String.join(", ", databases.keySet()))
              + ")");
    }
    try {
      Optional<SecretSource.DatabaseLogin> login = secrets.databaseLogin(name);
      if (login.isPresent()) {
        return new Held(
            new Target(name, s.url(), login.get().username(), login.get().password()), login.get());
      }
      String password = secrets.secret("databases/" + name + "/password").orElse(null);
      return new Held(new Target(name, s.url(), s.username(), password), null);
    } catch (VaultSecrets.SecretsException e) {
      throw e.permanent()
          ? FailureType.REFUSED.permanent(e.getMessage())
          : FailureType.UNAVAILABLE.transientFailure(e.getMessage(), e);
    }
  }

  /** A target whose credentials are held until closed. */
  public static final class Held implements AutoCloseable {
    private final Target target;
    private final SecretSource.DatabaseLogin login;

    Held(Target target, SecretSource.DatabaseLogin login) {
      this.target = target;
      this.login = login;
    }

    public Target target() {
      return target;
    }

    @Override
    public void close() {
      if (login != null) {
        login.close();
      }
    }
  }
}
