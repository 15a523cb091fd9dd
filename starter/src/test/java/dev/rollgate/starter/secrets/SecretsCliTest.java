package dev.rollgate.starter.secrets;

import static org.assertj.core.api.Assertions.assertThat;

import dev.rollgate.starter.RollgateCli;
import java.io.PrintWriter;
import java.io.StringWriter;
import org.junit.jupiter.api.Test;

/**
 * {@code rollgate secrets ...} as registered in the CLI: the group with rotate-key and the kit's
 * verbs; bad input is one line on stderr and exit 2, before anything connects (no worker or
 * Temporal runs here).
 */
class SecretsCliTest {
  record Run(int code, String out, String err) {}

  static Run rollgate(String... args) {
    StringWriter out = new StringWriter();
    StringWriter err = new StringWriter();
    int code = RollgateCli.run(new PrintWriter(out), new PrintWriter(err), args);
    return new Run(code, out.toString(), err.toString());
  }

  @Test
  void theGroupHasRotateKeyAndTheKitsVerbs() {
    Run help = rollgate("secrets", "--help");
    assertThat(help.code()).isZero();
    assertThat(help.out()).contains("rotate-key", "status", "approve", "pause", "resume", "abort");
    Run rotate = rollgate("secrets", "rotate-key", "--help");
    assertThat(rotate.code()).isZero();
    assertThat(rotate.out())
        .contains("--key", "--approvals", "--batch-size", "secrets/rotate-key/<key>")
        .contains("default: rollgate");
    assertThat(rollgate("--help").out()).contains("secrets");
  }

  @Test
  void badInputIsOneLineAndExitTwo() {
    for (String[] args :
        new String[][] {
          {"secrets", "rotate-key", "--approvals", "0", "--by", "alice"},
          {"secrets", "rotate-key", "--batch-size", "5000", "--by", "alice"},
          {"secrets", "rotate-key", "--key", "bad/key", "--by", "alice"},
          {"secrets", "status", "rollgate"},
        }) {
      Run r = rollgate(args);
      assertThat(r.code()).as(String.join(" ", args)).isEqualTo(2);
      assertThat(r.err().lines()).hasSize(1).first().asString().startsWith("rollgate: ");
    }
    assertThat(rollgate("secrets", "rotate-key", "--approvals", "0", "--by", "alice").err())
        .contains("--approvals must be 1..10");
    assertThat(rollgate("secrets", "status", "rollgate").err())
        .contains("a secrets target is rotate-key/<key>");
  }
}
