package dev.rollgate.worker;

import org.springframework.boot.SpringApplication;
import org.springframework.boot.autoconfigure.SpringBootApplication;
import org.springframework.boot.context.properties.EnableConfigurationProperties;
import org.springframework.scheduling.annotation.EnableScheduling;

/** The Rollgate worker: Temporal workers for every release process, health and metrics. */
@SpringBootApplication
@EnableConfigurationProperties(RollgateProperties.class)
@EnableScheduling
public class RollgateWorkerApplication {

  public static void main(String[] args) {
    // ROLLGATE_LOG_FORMAT=json switches the console to Spring Boot's structured (ECS) JSON logs
    if ("json".equalsIgnoreCase(System.getenv("ROLLGATE_LOG_FORMAT"))) {
      System.setProperty("logging.structured.format.console", "ecs");
    }
    SpringApplication.run(RollgateWorkerApplication.class, args);
  }
}
