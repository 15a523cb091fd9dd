package dev.rollgate.worker;

import java.lang.annotation.ElementType;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;
import org.springframework.boot.micrometer.metrics.test.autoconfigure.AutoConfigureMetrics;
import org.springframework.boot.test.context.SpringBootTest;

/**
 * The whole worker on its dev stack (embedded PostgreSQL, Redis, S3 and the in-process Temporal
 * server, all on free ports) behind a real Tomcat. Every test class using it shares one application
 * context, so the stack starts once per test run.
 */
@Target(ElementType.TYPE)
@Retention(RetentionPolicy.RUNTIME)
@SpringBootTest(
    webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT,
    properties = {
      "rollgate.dev.state-dir=target/dev-stack-it",
      "rollgate.dev.temporal-cli=/nonexistent/temporal",
      "rollgate.dev.prometheus-binary=/nonexistent/prometheus",
      "rollgate.dev.prometheus-port=0",
      "rollgate.dev.temporal-port=0",
      "rollgate.dev.temporal-ui-port=0",
      "rollgate.dev.postgres-port=0",
      "rollgate.dev.redis-port=0",
      "rollgate.dev.s3-port=0",
      "server.address=127.0.0.1"
    })
@AutoConfigureMetrics
@interface WorkerOnDevStack {}
