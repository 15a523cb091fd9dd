package dev.rollgate.worker.secrets;

import dev.rollgate.activities.secrets.DataKeys;
import dev.rollgate.activities.secrets.EncryptingCodec;
import dev.rollgate.activities.secrets.VaultSecrets;
import io.temporal.common.converter.CodecDataConverter;
import io.temporal.common.converter.DataConverter;
import io.temporal.common.converter.GlobalDataConverter;
import java.util.List;
import org.jooq.DSLContext;
import org.springframework.boot.context.properties.EnableConfigurationProperties;
import org.springframework.boot.web.servlet.FilterRegistrationBean;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.web.filter.CorsFilter;

/**
 * Encrypted workflow payloads when OpenBao/Vault is configured and {@code
 * rollgate.secrets.encrypt-payloads} is true (off by default until the CLI encrypts what it starts
 * workflows with and the Web UI has been checked in a browser): the {@link EncryptingCodec} (data
 * keys from transit, kept wrapped in {@code rollgate_data_key}), the {@code mainDataConverter} the
 * Temporal starter gives the worker's WorkflowClient (so workers, workflows and activities all read
 * and write ciphertext histories), and the remote-codec endpoint {@code /codec} for the Web UI and
 * the {@code temporal} CLI. A worker without vault keeps the SDK's default converter.
 */
@Configuration(proxyBeanMethods = false)
@EnableConfigurationProperties(CodecProperties.class)
@ConditionalOnEncryptedPayloads
class CodecConfiguration {

  @Bean
  EncryptingCodec payloadCodec(VaultSecrets secrets, DSLContext db) {
    return new EncryptingCodec(new DataKeys(secrets.operations(), db));
  }

  /** The name the Temporal starter looks for first ({@code @Qualifier("mainDataConverter")}). */
  @Bean
  DataConverter mainDataConverter(EncryptingCodec codec) {
    return new CodecDataConverter(GlobalDataConverter.get(), List.of(codec));
  }

  @Bean
  CodecController codecController(EncryptingCodec codec, CodecProperties properties) {
    return new CodecController(codec, properties.codecToken());
  }

  @Bean
  FilterRegistrationBean<CorsFilter> codecCorsFilter(CodecProperties properties) {
    FilterRegistrationBean<CorsFilter> registration =
        new FilterRegistrationBean<>(CodecController.cors(properties.codecOrigins()));
    registration.addUrlPatterns(CodecController.PATH + "/*");
    return registration;
  }
}
