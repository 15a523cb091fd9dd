package dev.rollgate.worker.secrets;

import static org.assertj.core.api.Assertions.assertThat;

import dev.rollgate.activities.secrets.EncryptingCodec;
import io.temporal.client.WorkflowClient;
import io.temporal.common.converter.CodecDataConverter;
import io.temporal.common.converter.DataConverter;
import io.temporal.spring.boot.autoconfigure.RootNamespaceAutoConfiguration;
import io.temporal.spring.boot.autoconfigure.ServiceStubsAutoConfiguration;
import org.jooq.DSLContext;
import org.jooq.SQLDialect;
import org.jooq.impl.DSL;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.springframework.boot.autoconfigure.AutoConfigurations;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;

/**
 * Which workers encrypt payloads: with vault configured and encrypt-payloads=true the Temporal
 * starter's WorkflowClient gets the codec's converter and {@code /codec} exists; by default (off),
 * with encrypt-payloads=false or without vault the worker is unchanged. Nothing is connected to:
 * the codec asks OpenBao and PostgreSQL only on its first payload.
 */
class CodecConfigurationTest {

  @Configuration(proxyBeanMethods = false)
  static class Database {
    @Bean
    DSLContext dslContext() {
      return DSL.using(SQLDialect.POSTGRES);
    }
  }

  private final ApplicationContextRunner runner =
      new ApplicationContextRunner()
          .withConfiguration(
              AutoConfigurations.of(
                  ServiceStubsAutoConfiguration.class, RootNamespaceAutoConfiguration.class))
          .withUserConfiguration(
              Database.class, SecretsConfiguration.class, CodecConfiguration.class)
          .withPropertyValues(
              "spring.temporal.connection.target=127.0.0.1:1", "spring.temporal.namespace=default");

  private static final String VAULT = "rollgate.secrets.vault.address=http://127.0.0.1:1";
  private static final String TOKEN = "rollgate.secrets.vault.token=unused";

  @Test
  void withVaultAndEncryptPayloadsTheWorkflowClientEncrypts() {
    runner
        .withPropertyValues(VAULT, TOKEN, "rollgate.secrets.encrypt-payloads=true")
        .run(
            context -> {
              assertThat(context).hasNotFailed();
              assertThat(context).hasSingleBean(EncryptingCodec.class);
              assertThat(context).hasSingleBean(CodecController.class);
              DataConverter converter =
                  context.getBean(WorkflowClient.class).getOptions().getDataConverter();
              assertThat(converter).isInstanceOf(CodecDataConverter.class);
              assertThat(converter).isSameAs(context.getBean("mainDataConverter"));
            });
  }

  @ParameterizedTest
  @ValueSource(strings = {"", "rollgate.secrets.encrypt-payloads=false"})
  void withVaultButNotEncryptPayloadsTheWorkerKeepsTheDefaultConverter(String setting) {
    runner
        // as component scanning finds it: the controller must not come without a codec
        .withUserConfiguration(CodecController.class)
        .withPropertyValues(VAULT, TOKEN, setting)
        .run(
            context -> {
              assertThat(context).hasNotFailed();
              assertThat(context).doesNotHaveBean(EncryptingCodec.class);
              assertThat(context).doesNotHaveBean(CodecController.class);
              assertThat(context.getBean(WorkflowClient.class).getOptions().getDataConverter())
                  .isNotInstanceOf(CodecDataConverter.class);
            });
  }

  @Test
  void withoutVaultTheWorkerIsUnchanged() {
    runner.run(
        context -> {
          assertThat(context).hasNotFailed();
          assertThat(context).doesNotHaveBean(EncryptingCodec.class);
          assertThat(context).doesNotHaveBean(CodecController.class);
          assertThat(context.getBean(WorkflowClient.class).getOptions().getDataConverter())
              .isNotInstanceOf(CodecDataConverter.class);
        });
  }
}
