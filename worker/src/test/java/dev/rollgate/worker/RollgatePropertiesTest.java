package dev.rollgate.worker;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.URI;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** The properties records that carry credentials print {@code ***} for them. */
class RollgatePropertiesTest {
  private static final String SECRET = "Known-Pa55-9d1c";

  @Test
  void credentialsPrintAsStars() {
    var properties =
        new RollgateProperties(
            new RollgateProperties.Redis("redis://default:" + SECRET + "@127.0.0.1:6379/0"),
            new RollgateProperties.S3(
                URI.create("http://127.0.0.1:9000"), "us-east-1", "backups", SECRET, SECRET, true),
            new RollgateProperties.Prometheus(
                URI.create("http://u:" + SECRET + "@prom:9090"), SECRET, "u", SECRET),
            null,
            null,
            new RollgateProperties.Aws(null, "us-east-1", SECRET, SECRET),
            null,
            Map.of(
                "orders",
                new RollgateProperties.Database(
                    "jdbc:postgresql://db:5432/orders?sslmode=require&password=" + SECRET,
                    "backup",
                    SECRET)),
            null);

    String printed = properties.toString();

    assertThat(printed)
        .doesNotContain(SECRET)
        .contains(
            "Redis[url=redis://default:***@127.0.0.1:6379/0]",
            "accessKey=***, secretKey=***",
            "bucket=backups",
            "jdbc:postgresql://db:5432/orders?sslmode=require&password=***",
            "username=backup, password=***",
            "Prometheus[url=http://u:***@prom:9090, token=***, username=u, password=***]");
    assertThat(new RollgateProperties.S3(null, null, null, null, null, true).toString())
        .contains("accessKey=null, secretKey=null");
  }
}
