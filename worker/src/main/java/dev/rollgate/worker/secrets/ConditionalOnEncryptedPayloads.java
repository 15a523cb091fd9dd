package dev.rollgate.worker.secrets;

import java.lang.annotation.ElementType;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;
import org.springframework.boot.autoconfigure.condition.ConditionalOnExpression;

/**
 * Payloads are encrypted: OpenBao/Vault is configured ({@code rollgate.secrets.vault.address}) and
 * {@code rollgate.secrets.encrypt-payloads=true} (off by default). On the codec's configuration and
 * on its controller, which component scanning would otherwise create without a codec.
 */
@Retention(RetentionPolicy.RUNTIME)
@Target(ElementType.TYPE)
// one condition: two repeated @ConditionalOnProperty are not both applied as meta-annotations
@ConditionalOnExpression(
    "'${rollgate.secrets.vault.address:}' != '' and '${rollgate.secrets.encrypt-payloads:false}' =="
        + " 'true'")
@interface ConditionalOnEncryptedPayloads {}
