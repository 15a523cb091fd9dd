package dev.rollgate.worker.devstack;

import dev.rollgate.worker.RequiredSettings;
import dev.rollgate.worker.RollgateProperties;
import java.util.Optional;
import org.springframework.boot.context.event.ApplicationEnvironmentPreparedEvent;
import org.springframework.boot.context.event.ApplicationFailedEvent;
import org.springframework.boot.context.event.ApplicationPreparedEvent;
import org.springframework.boot.context.event.ApplicationReadyEvent;
import org.springframework.boot.context.properties.bind.Binder;
import org.springframework.context.ApplicationEvent;
import org.springframework.context.ApplicationListener;
import org.springframework.context.support.GenericApplicationContext;
import org.springframework.core.env.ConfigurableEnvironment;
import org.springframework.core.env.MapPropertySource;
import org.springframework.core.env.Profiles;

/**
 * Starts the dev stack before any bean needs a server, and stops it last when the context closes.
 * With the {@code prod} profile nothing embedded starts, and a missing required setting stops
 * start-up with one line naming it. Registered in {@code META-INF/spring.factories}.
 */
public class DevStackListener implements ApplicationListener<ApplicationEvent> {
  static final String PROPERTY_SOURCE = "rollgateDevStack";

  private DevStack stack;

  @Override
  public void onApplicationEvent(ApplicationEvent event) {
    if (event instanceof ApplicationEnvironmentPreparedEvent prepared) {
      environmentPrepared(prepared.getEnvironment());
    } else if (event instanceof ApplicationPreparedEvent prepared && stack != null) {
      // registered before every other bean, so destroyed last, after the Temporal workers stop
      if (prepared.getApplicationContext() instanceof GenericApplicationContext context) {
        DevStack started = stack;
        context.registerBean(
            "rollgateDevStack",
            DevStack.class,
            () -> started,
            definition -> definition.setDestroyMethodName("close"));
        context.registerBean(
            "devStackHealthIndicator",
            DevStackHealthIndicator.class,
            () -> new DevStackHealthIndicator(started));
      }
    } else if (event instanceof ApplicationReadyEvent ready && stack != null) {
      Integer port =
          ready
              .getApplicationContext()
              .getEnvironment()
              .getProperty("local.server.port", Integer.class);
      if (port != null) {
        stack.scrapeWorker(port);
      }
    } else if (event instanceof ApplicationFailedEvent && stack != null) {
      stack.close();
    }
  }

  private void environmentPrepared(ConfigurableEnvironment env) {
    boolean production = env.acceptsProfiles(Profiles.of("prod"));
    boolean enabled = env.getProperty("rollgate.dev.enabled", Boolean.class, !production);
    if (!enabled) {
      Optional<String> missing = RequiredSettings.firstMissing(env);
      if (missing.isPresent()) {
        System.err.println(missing.get());
        System.exit(2);
      }
      return;
    }
    // bound from application.yaml (rollgate.dev.*), where the defaults live
    RollgateProperties.Dev settings =
        Binder.get(env).bind("rollgate.dev", RollgateProperties.Dev.class).get();
    try {
      stack =
          DevStack.start(
              settings, env.getProperty("rollgate.secrets.encrypt-payloads", Boolean.class, false));
    } catch (DevStack.DevStackException e) {
      System.err.println("rollgate: " + e.getMessage());
      System.exit(1);
    }
    java.util.Map<String, Object> endpoints = new java.util.LinkedHashMap<>(stack.properties());
    if (!env.getProperty("rollgate.prometheus.url", "").isBlank()) {
      endpoints.remove("rollgate.prometheus.url"); // a configured Prometheus wins
    } else {
      // no prometheus binary: a local Prometheus on its usual port is the best guess
      endpoints.putIfAbsent("rollgate.prometheus.url", "http://127.0.0.1:9090");
    }
    if (!env.getProperty("rollgate.secrets.vault.address", "").isBlank()) {
      // a configured OpenBao/Vault wins, with its own token or AppRole
      endpoints.keySet().removeIf(k -> k.startsWith("rollgate.secrets.vault."));
    }
    if (!env.getProperty("rollgate.secrets.codec-origins", "").isBlank()) {
      endpoints.remove("rollgate.secrets.codec-origins"); // configured origins win
    }
    if (!env.getProperty("rollgate.s3.endpoint", "").isBlank()) {
      // a configured S3 (e.g. moto or a real bucket) wins, with its own region, bucket and keys
      endpoints.keySet().removeIf(k -> k.startsWith("rollgate.s3."));
    }
    boolean databasesConfigured =
        Binder.get(env)
            .bind(
                "rollgate.databases",
                org.springframework.boot.context.properties.bind.Bindable.mapOf(
                    String.class, RollgateProperties.Database.class))
            .isBound();
    if (!databasesConfigured && endpoints.containsKey("spring.datasource.url")) {
      // backups have something to back up: Rollgate's own embedded PostgreSQL, as 'rollgate'
      endpoints.put("rollgate.databases.rollgate.url", endpoints.get("spring.datasource.url"));
      endpoints.put(
          "rollgate.databases.rollgate.username", endpoints.get("spring.datasource.username"));
      endpoints.put(
          "rollgate.databases.rollgate.password", endpoints.get("spring.datasource.password"));
    }
    ChildDownLogFilter.install(stack);
    env.getPropertySources().addFirst(new MapPropertySource(PROPERTY_SOURCE, endpoints));
  }
}
