package dev.rollgate.worker.devstack;

import static org.assertj.core.api.Assertions.assertThat;

import dev.rollgate.activities.RequiredTools;
import dev.rollgate.activities.Tools;
import dev.rollgate.worker.RollgateProperties;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;

/**
 * The Web UI is pointed at the worker's codec ({@code --ui-codec-endpoint}) exactly when the worker
 * will encrypt payloads: OpenBao installed and encryption not turned off.
 */
class DevStackCodecEndpointTest {

  private static RollgateProperties.Dev settings(String bao, int workerPort) {
    RollgateProperties.Dev d = DevStackMain.settings(Path.of("unused"), 0, 0);
    return new RollgateProperties.Dev(
        true,
        d.stateDir(),
        d.temporalCli(),
        d.prometheusBinary(),
        0,
        0,
        0,
        0,
        0,
        0,
        workerPort,
        d.demoTarget(),
        d.deployDemoExporter(),
        bao);
  }

  @Test
  void withOpenBaoTheUiDecodesThroughTheWorker() {
    String bao = RequiredTools.require(Tools.BAO).toString();
    assertThat(DevStack.codecEndpoint(settings(bao, 8080), true))
        .isEqualTo("http://127.0.0.1:8080/codec");
  }

  @Test
  void notWhenPayloadsAreNotEncryptedOrThePortIsUnknown() {
    String bao = RequiredTools.require(Tools.BAO).toString();
    assertThat(DevStack.codecEndpoint(settings(bao, 8080), false)).isNull();
    assertThat(DevStack.codecEndpoint(settings("/nonexistent/bao", 8080), true)).isNull();
    assertThat(DevStack.codecEndpoint(settings(bao, 0), true)).isNull();
  }

  @Test
  void theCodecLetsTheWebUisOriginInOnAnyPort() {
    assertThat(DevStack.codecOrigins(18433))
        .isEqualTo("http://127.0.0.1:18433,http://localhost:18433");
  }
}
