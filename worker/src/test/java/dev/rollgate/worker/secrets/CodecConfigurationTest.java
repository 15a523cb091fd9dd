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
import org.springframework.boot.autoconfigure.AutoConfigurations;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;

/**
 * Which workers encrypt payloads: with vault configured (by default, or encrypt-payloads=true) the
 * Temporal starter's WorkflowClient gets the codec's converter and {@code /codec} exists; with
 * encrypt-payloads=false or without vault the worker is unchanged. Nothing is connected to: the
 * codec asks OpenBao and PostgreSQL only on its first payload.
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
  void withVaultTheWorkflowClientEncryptsByDefault() {
    runner
        .withPropertyValues(VAULT, TOKEN)
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

  @Test
  void encryptPayloadsFalseKeepsTheDefaultConverter() {
    runner
        .withPropertyValues(VAULT, TOKEN, "rollgate.secrets.encrypt-payloads=false")
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
